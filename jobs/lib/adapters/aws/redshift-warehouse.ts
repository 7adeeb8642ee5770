/**
 * Warehouse over the Amazon Redshift Data API (Redshift Serverless workgroup
 * or a provisioned cluster). A run is loaded by ONE BatchExecuteStatement,
 * which the Data API runs as a single transaction (DESIGN.md §3 "Loader"):
 * per star table (dimensions first) staging table, `COPY … FROM
 * 's3://<transformed>/<table>/run_id=<run>/' IAM_ROLE '<arn>' FORMAT AS
 * PARQUET`, dedupe, collect changes, MERGE (dimensions) or insert-where-absent
 * (facts), counts; then the load-history row; then the temp tables are
 * dropped. If any statement fails, Redshift rolls the whole batch back and the
 * error names the failing statement (DescribeStatement `SubStatements`).
 *
 * Idempotency: the load history is checked first (a loaded run is skipped);
 * the batch carries a deterministic ClientToken (SHA-256 of the run and the
 * statements), so a Lambda retry while the batch is still running attaches to
 * it instead of loading twice. A failed batch changed nothing, so a failure
 * that the Data API returns from an earlier invocation (a cached outcome for
 * the same token) is followed by a new attempt with a token chained on it.
 */
import { createHash } from 'node:crypto';
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  type DescribeStatementResponse,
  type Field,
  type RedshiftDataClient,
  type SqlParameter,
} from '@aws-sdk/client-redshift-data';
import { TerminalError, TransientError } from '../../core/errors';
import { quoteIdent } from '../../core/identifiers';
import { keys } from '../../definition/object-keys';
import type { LoadResult, LoadTable, Warehouse } from '../../core/ports';
import { assertRunId } from '../../core/run-id';
import { LOAD_HISTORY_TABLE, loadHistoryLookup } from '../../core/warehouse/load-history';
import { inLoadOrder } from '../../core/warehouse/load-order';
import { copyFromS3Parquet } from '../../core/warehouse/redshift-copy';
import { tableLoadStatements } from '../../core/warehouse/table-load-statements';
import { warehouseSchema } from '../../core/warehouse/warehouse-schema';
import { awsCall } from './classify-aws-error';
import { pollUntil, type PollOptions } from './retry';

/** Where the Data API connects: a Serverless workgroup, or a cluster with a database user or a secret. */
export type RedshiftTarget =
  | { workgroupName: string; database: string; secretArn?: string }
  | { clusterIdentifier: string; database: string; dbUser?: string; secretArn?: string };

/** Settings of the Redshift warehouse (from the load handler's environment). */
export interface RedshiftWarehouseConfig {
  target: RedshiftTarget;
  /** IAM role Redshift assumes to read the transformed bucket (COPY … IAM_ROLE). */
  iamRoleArn: string;
  /** `s3://<bucket>/<key>` of a transformed-zone key (the transformed S3ObjectStore's `uri`). */
  transformedUri: (key: string) => string;
  /** Folder of the warehouse DDL (`sql/warehouse`); default load-statements' WAREHOUSE_SQL_DIR. */
  ddlDir?: string;
  /** Waiting for a statement: bounded exponential backoff (retry.ts). */
  poll?: PollOptions;
  /** Batch attempts on failures that look transient (serialization conflicts, connections). Default 3. */
  maxAttempts?: number;
  /** Clock, for telling a cached outcome from an earlier invocation apart from a fresh one. */
  now?: () => Date;
}

/** A statement reported by DescribeStatement as older than this before our request is a cached outcome. */
const CACHED_MARGIN_MS = 30_000;

/** Redshift error texts a retry may clear (serialization conflicts, lost connections, S3 throttling during COPY). */
const TRANSIENT_SQL_ERROR = /serializ|could not complete because of conflict|connection|timed? ?out|SlowDown|ServiceUnavailable|InternalError|try again/i;

/** A failed Data API statement: names the failing sub-statement and its SQL. Terminal unless the text looks transient. */
export class RedshiftStatementError extends TerminalError {
  constructor(
    readonly statementId: string,
    readonly detail: string,
    readonly failedSql: string | undefined,
  ) {
    super(`redshift statement ${statementId} failed: ${detail}${failedSql ? `\n--- failing statement ---\n${failedSql.slice(0, 2000)}` : ''}`);
    this.name = 'RedshiftStatementError';
  }
}

/** 64 hex characters from the parts (the Data API ClientToken allows up to 64). */
function token(parts: (string | undefined)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part ?? ''}\u0000`);
  return hash.digest('hex');
}

/** A plain JSON value from a Data API result cell. */
function fieldValue(field: Field): unknown {
  if (field.isNull) return null;
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.blobValue !== undefined) return Buffer.from(field.blobValue).toString('base64');
  return null;
}

/**
 * Rewrites `$1, $2, …` placeholders to the Data API's named `:p1, :p2, …` and
 * builds the parameter list; a null value is written as SQL `null` (the Data
 * API has no null parameter). Placeholders inside string literals are not
 * told apart, so keep `$n` out of literals.
 */
export function toNamedParameters(sql: string, params: unknown[] = []): { sql: string; parameters: SqlParameter[] } {
  const used = new Set<number>();
  const text = sql.replace(/\$(\d+)\b/g, (match, n: string) => {
    const index = Number(n) - 1;
    if (index < 0 || index >= params.length) throw new TerminalError(`query uses ${match} but only ${params.length} parameter(s) were given`);
    if (params[index] === null || params[index] === undefined) return 'null';
    used.add(index);
    return `:p${index + 1}`;
  });
  const parameters = [...used].sort((a, b) => a - b).map((i) => {
    const value = params[i];
    return { name: `p${i + 1}`, value: value instanceof Date ? value.toISOString() : String(value) };
  });
  return { sql: text, parameters };
}

/** One statement of a load batch, with what its result means. */
interface BatchStatement {
  sql: string;
  count?: { table: string; of: 'staged' | 'changed' };
}

/** Warehouse over the Redshift Data API: one transaction (batch) per run (module comment). */
export class RedshiftWarehouse implements Warehouse {
  private readonly now: () => Date;

  constructor(
    private readonly client: RedshiftDataClient,
    private readonly config: RedshiftWarehouseConfig,
  ) {
    this.now = config.now ?? (() => new Date());
  }

  private get connection() {
    const t = this.config.target;
    return 'workgroupName' in t
      ? { WorkgroupName: t.workgroupName, Database: t.database, SecretArn: t.secretArn }
      : { ClusterIdentifier: t.clusterIdentifier, Database: t.database, DbUser: t.dbUser, SecretArn: t.secretArn };
  }

  /** Creates the star schema and the load history (`create table if not exists`, one batch). Idempotent. */
  async ensureSchema(): Promise<void> {
    const statements = await warehouseSchema('redshift', this.config.ddlDir);
    await this.runBatch('ensure schema', statements.map((s) => s.sql), [], ['ensure-schema']);
  }

  /**
   * The statements of one run's load batch, in order (exported for tests and
   * for reading): per table in load order its staging statements, COPY (skipped
   * when the run wrote no file for the table, since COPY rejects an empty
   * prefix), dedupe, changes, counts and apply; then the load-history insert
   * (`:run_id` parameter, `sysdate` (a compute-node function, unlike
   * `now()`), counts as JSON built in SQL from one-row count subqueries); then the
   * temp-table drops. Throws TerminalError on a bad run id or table definition.
   */
  loadBatch(runId: string, tables: LoadTable[]): BatchStatement[] {
    assertRunId(runId);
    const batch: BatchStatement[] = [];
    const drops: string[] = [];
    const counts: string[] = [];
    const sources: string[] = [];
    for (const [i, { table, files }] of inLoadOrder(tables).entries()) {
      const s = tableLoadStatements(table);
      batch.push(...s.createStaging.map((sql) => ({ sql })));
      if (files.length > 0) {
        batch.push({ sql: copyFromS3Parquet(s, this.config.transformedUri(keys.runFolder(table.name, runId)), this.config.iamRoleArn) });
      }
      batch.push({ sql: s.dedupe }, { sql: s.collectChanges });
      batch.push({ sql: s.countStaged, count: { table: table.name, of: 'staged' } });
      batch.push({ sql: s.countChanges, count: { table: table.name, of: 'changed' } });
      batch.push({ sql: s.apply });
      drops.push(...s.dropTemp);
      counts.push(`'"${table.name}":{"staged":' || cast(s${i}.n as varchar) || ',"changed":' || cast(c${i}.n as varchar) || '}'`);
      sources.push(`(select count(*) as n from ${quoteIdent(s.staging)}) s${i}`, `(select count(*) as n from ${quoteIdent(s.changes)}) c${i}`);
    }
    const json = counts.length ? `'{' || ${counts.join(" || ',' || ")} || '}'` : `'{}'`;
    const from = sources.length ? `\nfrom ${sources.join('\ncross join ')}` : '';
    batch.push({
      sql: `insert into ${quoteIdent(LOAD_HISTORY_TABLE)} ("run_id", "loaded_at", "table_counts")\nselect :run_id, sysdate, ${json}${from}`,
    });
    batch.push(...drops.map((sql) => ({ sql })));
    return batch;
  }

  /**
   * Loads one run in one transaction (see the module comment). Returns
   * `loaded: false` and no tables when the load history already has the run.
   * Counts per table: `staged` rows copied, `changed` rows merged or inserted.
   * Throws RedshiftStatementError (terminal) naming the failing statement, or
   * TransientError (throttling, a conflict that persisted over `maxAttempts`,
   * still running at the poll deadline). A failure leaves the warehouse as it was.
   */
  async loadRun(runId: string, tables: LoadTable[]): Promise<LoadResult> {
    const existing = await this.select(loadHistoryLookup('redshift'), [{ name: 'run_id', value: runId }]);
    if (existing.length > 0) return { runId, loaded: false, tables: {} };
    const batch = this.loadBatch(runId, tables);
    const done = await this.runBatch(`load run ${runId}`, batch.map((b) => b.sql), [{ name: 'run_id', value: runId }], ['load', runId]);
    const result: LoadResult = { runId, loaded: true, tables: {} };
    for (const [i, statement] of batch.entries()) {
      if (!statement.count) continue;
      const sub = done.SubStatements?.[i];
      if (!sub?.Id) throw new TerminalError(`redshift batch ${done.Id} reported no sub-statement ${i + 1}`);
      const rows = await this.results(sub.Id);
      const entry = (result.tables[statement.count.table] ??= { staged: 0, changed: 0 });
      entry[statement.count.of] = Number(rows[0]?.row_count ?? 0);
    }
    return result;
  }

  /**
   * Runs a read query (ExecuteStatement; `$n` placeholders become named
   * parameters) and returns every page of its rows as objects.
   * Throws RedshiftStatementError on bad SQL, TransientError on throttling.
   */
  async query(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    const named = toNamedParameters(sql, params);
    return this.select(named.sql, named.parameters);
  }

  /** ExecuteStatement with named parameters, wait, all result rows. */
  private async select(sql: string, parameters: SqlParameter[]): Promise<Record<string, unknown>[]> {
    const out = await awsCall('redshift-data ExecuteStatement', () =>
      this.client.send(
        new ExecuteStatementCommand({ ...this.connection, Sql: sql, ...(parameters.length ? { Parameters: parameters } : {}) }),
      ),
    );
    if (!out.Id) throw new TerminalError('redshift-data ExecuteStatement returned no Id');
    const done = await this.wait(out.Id);
    if (done.Status !== 'FINISHED') throw this.failure(done, [sql]);
    return done.HasResultSet ? this.results(out.Id) : [];
  }

  /** Nothing to close: the Data API is stateless HTTP. */
  async close(): Promise<void> {}

  /**
   * Runs `sqls` as one BatchExecuteStatement (one transaction) and waits for
   * it. Token: SHA-256 of `seed`, the statements and the failed batch it
   * follows. A FAILED/ABORTED outcome created before this call (a cached one
   * from an earlier invocation) or a failure whose text looks transient is
   * followed by a new attempt, up to `maxAttempts` fresh attempts.
   */
  private async runBatch(what: string, sqls: string[], parameters: SqlParameter[], seed: string[]): Promise<DescribeStatementResponse> {
    const maxAttempts = this.config.maxAttempts ?? 3;
    let previous: string | undefined;
    let fresh = 0;
    for (let link = 0; link < maxAttempts + 10; link++) {
      const startedAt = this.now().getTime();
      const out = await awsCall(`redshift-data BatchExecuteStatement (${what})`, () =>
        this.client.send(
          new BatchExecuteStatementCommand({
            ...this.connection,
            Sqls: sqls,
            ...(parameters.length ? { Parameters: parameters } : {}),
            ClientToken: token([...seed, ...sqls, previous]),
            StatementName: what.slice(0, 500),
          }),
        ),
      );
      if (!out.Id) throw new TerminalError('redshift-data BatchExecuteStatement returned no Id');
      const done = await this.wait(out.Id);
      if (done.Status === 'FINISHED') return done;
      previous = out.Id;
      const cached = done.CreatedAt !== undefined && done.CreatedAt.getTime() < startedAt - CACHED_MARGIN_MS;
      if (cached) continue;
      const failure = this.failure(done, sqls);
      if (!TRANSIENT_SQL_ERROR.test(failure.detail)) throw failure;
      if (++fresh >= maxAttempts) throw new TransientError(`${what}: ${failure.message}`, { cause: failure });
    }
    throw new TransientError(`${what}: no attempt finished (last batch ${previous})`);
  }

  /** Polls DescribeStatement (bounded exponential backoff) until FINISHED, FAILED or ABORTED. */
  private wait(id: string): Promise<DescribeStatementResponse> {
    return pollUntil(
      `redshift statement ${id}`,
      async () => {
        const out = await awsCall(`redshift-data DescribeStatement ${id}`, () =>
          this.client.send(new DescribeStatementCommand({ Id: id })),
        );
        return out.Status === 'FINISHED' || out.Status === 'FAILED' || out.Status === 'ABORTED' ? out : undefined;
      },
      this.config.poll,
    );
  }

  /** The error for a failed or aborted statement: which sub-statement failed, its error and SQL. */
  private failure(done: DescribeStatementResponse, sqls: string[]): RedshiftStatementError {
    const subs = done.SubStatements ?? [];
    const index = subs.findIndex((s) => s.Status === 'FAILED' || s.Status === 'ABORTED');
    const sub = index >= 0 ? subs[index] : undefined;
    const where = sub ? `statement ${index + 1} of ${subs.length}: ` : '';
    const detail = `${done.Status}: ${where}${sub?.Error ?? done.Error ?? 'no error text'}`;
    return new RedshiftStatementError(done.Id ?? '?', detail, sub?.QueryString ?? (index >= 0 ? sqls[index] : done.QueryString));
  }

  /** Every page of a finished statement's result as objects keyed by column name. */
  private async results(id: string): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = [];
    let next: string | undefined;
    let names: string[] = [];
    do {
      const page = await awsCall(`redshift-data GetStatementResult ${id}`, () =>
        this.client.send(new GetStatementResultCommand({ Id: id, NextToken: next })),
      );
      if (page.ColumnMetadata?.length) names = page.ColumnMetadata.map((c, i) => c.name ?? c.label ?? `_${i}`);
      for (const record of page.Records ?? []) rows.push(Object.fromEntries(record.map((f, i) => [names[i], fieldValue(f)])));
      next = page.NextToken;
    } while (next);
    return rows;
  }
}
