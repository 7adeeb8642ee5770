/** A fake Athena (over aws-sdk-client-mock) and an in-memory zone store for the Athena engine tests. */
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type QueryExecutionStatus,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { AthenaZoneStore } from '../../../jobs/lib/aws/athena-query-engine';
import type { ObjectInfo } from '../../../jobs/lib/ports';

export const RUN = '20250225t132609z';
export const NOW = new Date('2025-02-25T14:00:00Z');

/** An in-memory zone store (the engine only lists, clears and names locations). */
export class MemoryZone implements AthenaZoneStore {
  readonly objects = new Set<string>();
  readonly cleared: string[] = [];
  constructor(
    readonly zone: 'cleaned' | 'transformed',
    private readonly bucket: string,
  ) {}
  async list(prefix: string): Promise<ObjectInfo[]> {
    return [...this.objects].filter((k) => k.startsWith(prefix)).sort().map((key) => ({ key, size: 1, modified: NOW }));
  }
  async deletePrefix(prefix: string): Promise<number> {
    const keys = [...this.objects].filter((k) => k.startsWith(prefix));
    keys.forEach((k) => this.objects.delete(k));
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
export function fakeAthena(athena: AwsStub<any, any, any>, options: {
  outcome?: (sql: string, id: string) => Partial<QueryExecutionStatus> | undefined;
  polls?: number;
  counts?: Record<string, number>;
} = {}) {
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
  athena.on(GetQueryExecutionCommand).callsFake(({ QueryExecutionId }: { QueryExecutionId: string }) => {
    const n = (polled.get(QueryExecutionId) ?? 0) + 1;
    polled.set(QueryExecutionId, n);
    if (n <= (options.polls ?? 0)) return { QueryExecution: { QueryExecutionId, Status: { State: 'RUNNING' } } };
    const sql = sqlById.get(QueryExecutionId)!;
    const status = options.outcome?.(sql, QueryExecutionId) ?? { State: 'SUCCEEDED' };
    return { QueryExecution: { QueryExecutionId, Status: { SubmissionDateTime: NOW, ...status } } };
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
  return { started, sqls: () => started.map((s) => s.input.QueryString!) };
}

