/**
 * A fake Athena (over aws-sdk-client-mock), an in-memory zone store, the
 * engine built over them, and the currency model fixtures shared by the
 * Athena engine tests.
 */
import {
  AthenaClient,
  BatchGetQueryExecutionCommand,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  ListQueryExecutionsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type QueryExecutionStatus,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import type { AwsStub } from 'aws-sdk-client-mock';
import {
  AthenaQueryEngine,
  type AthenaEngineConfig,
  type AthenaZoneStore,
} from '../../../jobs/lib/adapters/aws/athena-query-engine';
import type { ObjectInfo } from '../../../jobs/lib/core/ports';
import { fakeSleep } from './helpers';

export const RUN = '20250225t132609z';
export const NOW = new Date('2025-02-25T14:00:00Z');
export const DATABASES = { raw: 'lakehouse_raw', cleaned: 'lakehouse_cleaned', transformed: 'lakehouse_transformed' };

/** An in-memory zone store (the engine only lists, clears and names locations). */
export class MemoryZone implements AthenaZoneStore {
  readonly objects = new Set<string>();
  readonly cleared: string[] = [];
  constructor(
    readonly zone: 'cleaned' | 'transformed',
    private readonly bucket: string,
  ) {}
  async list(prefix: string): Promise<ObjectInfo[]> {
    return [...this.objects]
      .filter((k) => k.startsWith(prefix))
      .sort()
      .map((key) => ({ key, size: 1, modified: NOW }));
  }
  async deletePrefix(prefix: string): Promise<number> {
    const keys = [...this.objects].filter((k) => k.startsWith(prefix));
    for (const k of keys) this.objects.delete(k);
    this.cleared.push(prefix);
    return keys.length;
  }
  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }
}

export interface Started {
  id: string;
  input: StartQueryExecutionCommandInput;
}

/**
 * A fake Athena: StartQueryExecution is idempotent on ClientRequestToken (same
 * token → same execution id, as Athena documents); `outcome` decides each
 * execution's final status; `polls` RUNNING answers come first.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function fakeAthena(
  athena: AwsStub<any, any, any>,
  options: {
    outcome?: (sql: string, id: string) => Partial<QueryExecutionStatus> | undefined;
    polls?: number;
    counts?: Record<string, number>;
  } = {},
) {
  const started: Started[] = [];
  const byToken = new Map<string, string>();
  const sqlById = new Map<string, string>();
  const polled = new Map<string, number>();
  athena.on(StartQueryExecutionCommand).callsFake((input: StartQueryExecutionCommandInput) => {
    const token = input.ClientRequestToken!;
    let id = byToken.get(token);
    if (!id) {
      id = `q-${byToken.size + 1}`;
      byToken.set(token, id);
      sqlById.set(id, input.QueryString!);
    }
    started.push({ id, input });
    return { QueryExecutionId: id };
  });
  const stopped: string[] = [];
  /** An execution as Athena would describe it now; `poll` counts a GetQueryExecution. */
  const describe = (QueryExecutionId: string, poll: boolean) => {
    const n = (polled.get(QueryExecutionId) ?? 0) + (poll ? 1 : 0);
    polled.set(QueryExecutionId, n);
    const sql = sqlById.get(QueryExecutionId)!;
    const base = { QueryExecutionId, Query: sql, WorkGroup: 'lakehouse' };
    if (stopped.includes(QueryExecutionId)) {
      return {
        ...base,
        Status: { SubmissionDateTime: NOW, State: 'CANCELLED' as const, StateChangeReason: 'Query was cancelled by user' },
      };
    }
    if (n <= (options.polls ?? 0)) return { ...base, Status: { SubmissionDateTime: NOW, State: 'RUNNING' as const } };
    const status = options.outcome?.(sql, QueryExecutionId) ?? { State: 'SUCCEEDED' };
    return { ...base, Status: { SubmissionDateTime: NOW, ...status } };
  };
  athena.on(GetQueryExecutionCommand).callsFake(({ QueryExecutionId }: { QueryExecutionId: string }) => ({
    QueryExecution: describe(QueryExecutionId, true),
  }));
  // Newest first, as the console lists them; one page is enough for these tests.
  athena.on(ListQueryExecutionsCommand).callsFake(() => ({ QueryExecutionIds: [...sqlById.keys()].reverse().slice(0, 50) }));
  athena.on(BatchGetQueryExecutionCommand).callsFake(({ QueryExecutionIds }: { QueryExecutionIds: string[] }) => ({
    QueryExecutions: QueryExecutionIds.map((id) => describe(id, false)),
  }));
  athena.on(StopQueryExecutionCommand).callsFake(({ QueryExecutionId }: { QueryExecutionId: string }) => {
    stopped.push(QueryExecutionId);
    return {};
  });
  athena.on(GetQueryResultsCommand).callsFake(({ QueryExecutionId }: { QueryExecutionId: string }) => {
    const sql = sqlById.get(QueryExecutionId)!;
    const table = /from "[a-z_]+"\."(tmp_[a-z_]+?)_\d{8}t/.exec(sql)?.[1] ?? '';
    const count = options.counts?.[table] ?? 0;
    return {
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: [{ Name: 'rows', Type: 'bigint' }] },
        Rows: [{ Data: [{ VarCharValue: 'rows' }] }, { Data: [{ VarCharValue: String(count) }] }],
      },
    };
  });
  return { started, stopped, sqls: () => started.map((s) => s.input.QueryString!) };
}

/**
 * An Athena engine over fresh in-memory cleaned / transformed stores (buckets
 * `lake-cleaned`, `lake-transformed`): workgroup `lakehouse`, the DATABASES,
 * clock at NOW, a sleep that does not wait; `config` overrides any of it.
 */
export function athenaEngine(config: Partial<AthenaEngineConfig> = {}) {
  const stores = {
    cleaned: new MemoryZone('cleaned', 'lake-cleaned'),
    transformed: new MemoryZone('transformed', 'lake-transformed'),
  };
  const engine = new AthenaQueryEngine(new AthenaClient({ region: 'eu-west-2' }), stores, {
    workgroup: 'lakehouse',
    databases: DATABASES,
    poll: { sleep: fakeSleep().sleep },
    now: () => NOW,
    ...config,
  });
  return { engine, stores };
}

/** A cleaned currency model as sql/cleaned holds them, reading `{{ raw.currency }}`. */
export const CURRENCY_MODEL = `select
    currency_id,
    created_at,
    last_updated,
    currency_code,
    null as change_op,
    null as reject_reason
from {{ raw.currency }}`;

/** How CURRENCY_MODEL reads raw currency when the table is there: the run's partition. */
export const RAW_CURRENCY = `(select * from "lakehouse_raw"."currency" where run_id = '${RUN}')`;

/** The good-rows CTAS the engine sends for CURRENCY_MODEL at RUN, reading `source`. */
export const currencyCtas = (source: string) =>
  [
    `create table "lakehouse_cleaned"."tmp_currency_${RUN}"`,
    'with (',
    "    format = 'PARQUET',",
    "    write_compression = 'ZSTD',",
    `    external_location = 's3://lake-cleaned/currency/run_id=${RUN}/'`,
    ') as',
    'select',
    '  cast(m."currency_id" as integer) as "currency_id",',
    '  cast(m."currency_code" as varchar) as "currency_code",',
    '  cast(m."created_at" as timestamp) as "created_at",',
    '  cast(m."last_updated" as timestamp) as "last_updated",',
    '  cast(m."change_op" as varchar) as "change_op"',
    'from (',
    'select',
    '    currency_id,',
    '    created_at,',
    '    last_updated,',
    '    currency_code,',
    '    null as change_op,',
    '    null as reject_reason',
    `from ${source}`,
    ') m',
    'where m."reject_reason" is null',
  ].join('\n');
