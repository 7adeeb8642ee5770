/**
 * Warehouse over the Amazon Redshift Data API (Redshift Serverless workgroup
 * or a provisioned cluster). A run is loaded in one Data API session
 * (docs/architecture.md "Loading"; the statements and the sources for the Data API's
 * behaviour are in core/warehouse/redshift-load-script.ts):
 *
 *   1. the load history is read (a loaded run is skipped);
 *   2. the first call opens a session (`SessionKeepAliveSeconds`; its answer
 *      carries the `SessionId`), and the stage statements (temp tables only:
 *      staging, COPY … FORMAT AS PARQUET, dedupe, counts) run as calls of at
 *      most 40 statements in that session;
 *   3. the transaction (collect changes, counts, MERGE / insert, load-history
 *      row) runs as ONE BatchExecuteStatement in the same session: the Data
 *      API commits it whole or rolls it back whole.
 *
 * No explicit BEGIN spans calls: every write the warehouse keeps is in the one
 * transaction call, so a failure anywhere (a bad file, a lost session, a
 * failed statement) leaves the warehouse exactly as it was. The temp tables go
 * with the session, which Redshift closes `sessionKeepAliveSeconds` after its
 * last call. A transaction that fails with a conflict (serializable isolation,
 * lost connection) is sent again in the same session, up to `maxAttempts`; it is
 * idempotent (changes are collected inside it; the history row is inserted only
 * once), so a replay never loads twice.
 *
 * Every call carries a ClientToken (ExecuteStatement/BatchExecuteStatement are
 * idempotent per token): random for a call outside a session or opening one,
 * otherwise SHA-256 of the session, the statements and the attempt. The SDK
 * retries a request with the same input, so its retries never run the
 * statements twice.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  BatchExecuteStatementCommand,
  type BatchExecuteStatementCommandOutput,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  type DescribeStatementResponse,
  type Field,
  type RedshiftDataClient,
  type SqlParameter,
} from '@aws-sdk/client-redshift-data';
import { errorMessage, TerminalError, TransientError } from '../../core/errors';
import { keys } from '../../definition/object-keys';
import type { LoadResult, LoadTable, Warehouse } from '../../core/ports';
import { loadHistoryLookup } from '../../core/warehouse/load-history';
import { warehouseSchema } from '../../core/warehouse/warehouse-schema';
import { schemaColumnTypes } from '../../core/warehouse/ddl-column-types';
import {
  DATA_API_MAX_SQLS,
  chunkSqls,
  redshiftLoadScript,
  type RedshiftLoadScript,
  type ScriptStatement,
} from '../../core/warehouse/redshift-load-script';
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
  /** Calls of the load transaction on failures that look transient (serialization conflicts, connections). Default 3. */
  maxAttempts?: number;
  /**
   * How long the Data API keeps a load's session open after its last call, in
   * seconds (Data API SessionAliveSeconds: up to 86400); the temp tables go
   * with it. Default {@link DEFAULT_SESSION_KEEP_ALIVE_SECONDS}.
   */
  sessionKeepAliveSeconds?: number;
}

/** Seconds a load's session stays open after its last call: long enough for the gap between two calls. */
export const DEFAULT_SESSION_KEEP_ALIVE_SECONDS = 300;

/** Redshift error texts a retry may clear (serialization conflicts, lost connections, S3 throttling during COPY). */
const TRANSIENT_SQL_ERROR =
  /serializ|could not complete because of conflict|connection|timed? ?out|SlowDown|ServiceUnavailable|InternalError|try again/i;

/** A failed Data API statement: names the failing sub-statement and its SQL. Terminal unless the text looks transient. */
export class RedshiftStatementError extends TerminalError {
  constructor(
    readonly statementId: string,
    readonly detail: string,
    readonly failedSql: string | undefined,
  ) {
    super(
      `redshift statement ${statementId} failed: ${detail}${failedSql ? `\n--- failing statement ---\n${failedSql.slice(0, 2000)}` : ''}`,
    );
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
 * API has no null parameter) and an empty string as `''` (a parameter value
 * must be at least 1 character: Data API `SqlParameter.value`). Placeholders inside string literals are not
 * told apart, so keep `$n` out of literals.
 */
export function toNamedParameters(sql: string, params: unknown[] = []): { sql: string; parameters: SqlParameter[] } {
  const used = new Set<number>();
  const text = sql.replace(/\$(\d+)\b/g, (match, n: string) => {
    const index = Number(n) - 1;
    if (index < 0 || index >= params.length)
      throw new TerminalError(`query uses ${match} but only ${params.length} parameter(s) were given`);
    if (params[index] === null || params[index] === undefined) return 'null';
    if (params[index] === '') return "''";
    used.add(index);
    return `:p${index + 1}`;
  });
  const parameters = [...used]
    .sort((a, b) => a - b)
    .map((i) => {
      const value = params[i];
      return { name: `p${i + 1}`, value: value instanceof Date ? value.toISOString() : String(value) };
    });
  return { sql: text, parameters };
}

/** A started Data API session: the id later calls pass. */
interface Session {
  id?: string;
}

/** Warehouse over the Redshift Data API: one session and one transaction call per run (module comment). */
export class RedshiftWarehouse implements Warehouse {
  private columnTypes?: Promise<Map<string, Map<string, string>>>;

  constructor(
    private readonly client: RedshiftDataClient,
    private readonly config: RedshiftWarehouseConfig,
  ) {
    const keepAlive = config.sessionKeepAliveSeconds ?? DEFAULT_SESSION_KEEP_ALIVE_SECONDS;
    if (!Number.isInteger(keepAlive) || keepAlive < 1 || keepAlive > 86_400) {
      throw new TerminalError(
        `sessionKeepAliveSeconds must be an integer from 1 to 86400 (Data API SessionAliveSeconds), got ${keepAlive}`,
      );
    }
  }

  private get connection() {
    const t = this.config.target;
    return 'workgroupName' in t
      ? { WorkgroupName: t.workgroupName, Database: t.database, SecretArn: t.secretArn }
      : { ClusterIdentifier: t.clusterIdentifier, Database: t.database, DbUser: t.dbUser, SecretArn: t.secretArn };
  }

  /** Creates the star schema and the load history (`create table if not exists`, one batch, no session). Idempotent. */
  async ensureSchema(): Promise<void> {
    const statements = await warehouseSchema('redshift', this.config.ddlDir);
    for (const sqls of chunkSqls(statements.map((s) => s.sql))) await this.batch('ensure schema', sqls, undefined, []);
  }

  /**
   * The two parts of one run's load (exported for tests and for reading):
   * see {@link redshiftLoadScript}. Reads the DDL once for its column types.
   * Throws TerminalError on a bad run id or definition, a DDL missing a
   * column, or more tables than one transaction call holds.
   */
  async loadScript(runId: string, tables: LoadTable[]): Promise<RedshiftLoadScript> {
    this.columnTypes ??= warehouseSchema('redshift', this.config.ddlDir).then(schemaColumnTypes);
    const columnTypes = await this.columnTypes.catch((error: unknown) => {
      this.columnTypes = undefined;
      throw error;
    });
    return redshiftLoadScript(runId, tables, {
      s3Prefix: (table) => this.config.transformedUri(keys.runFolder(table, runId)),
      iamRoleArn: this.config.iamRoleArn,
      columnTypes,
    });
  }

  /**
   * Loads one run (module comment). Returns `loaded: false` and no tables when
   * the load history already has the run. Counts per table: `staged` rows
   * copied, `changed` rows merged or inserted. Throws RedshiftStatementError
   * (terminal) naming the failing statement; TransientError when a retry of
   * the whole load may help (throttling, a statement error that looks
   * transient, a conflict that persisted over `maxAttempts`, a lost session,
   * still running at the poll deadline). A failure leaves the warehouse as it was.
   */
  async loadRun(runId: string, tables: LoadTable[]): Promise<LoadResult> {
    const script = await this.loadScript(runId, tables);
    const existing = await this.select(loadHistoryLookup('redshift'), [{ name: 'run_id', value: runId }]);
    if (existing.length > 0) return { runId, loaded: false, tables: {} };
    const result: LoadResult = { runId, loaded: true, tables: {} };
    const session: Session = {};
    for (const [i, part] of chunkSqls(script.stage).entries()) {
      const done = await this.batch(
        `stage run ${runId} (${i + 1})`,
        part.map((s) => s.sql),
        session,
        [],
      );
      await this.readCounts(done, part, result);
    }
    const done = await this.transaction(`load run ${runId}`, script.transaction, session, [{ name: 'run_id', value: runId }]);
    await this.readCounts(done, script.transaction, result);
    return result;
  }

  /** Stores the `row_count` of each count statement of a finished batch into `result`. */
  private async readCounts(done: DescribeStatementResponse, statements: ScriptStatement[], result: LoadResult): Promise<void> {
    for (const [i, statement] of statements.entries()) {
      if (!statement.count) continue;
      const sub = done.SubStatements?.[i];
      if (!sub?.Id) throw new TerminalError(`redshift batch ${done.Id} reported no sub-statement ${i + 1}`);
      const rows = await this.results(sub.Id);
      const entry = (result.tables[statement.count.table] ??= { staged: 0, changed: 0 });
      entry[statement.count.of] = Number(rows[0]?.row_count ?? 0);
    }
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

  /** ExecuteStatement with named parameters (no session), wait, all result rows. */
  private async select(sql: string, parameters: SqlParameter[]): Promise<Record<string, unknown>[]> {
    const out = await awsCall('redshift-data ExecuteStatement', () =>
      this.client.send(
        new ExecuteStatementCommand({
          ...this.connection,
          Sql: sql,
          ...(parameters.length ? { Parameters: parameters } : {}),
          ClientToken: randomUUID(),
        }),
      ),
    );
    if (!out.Id) throw new TerminalError('redshift-data ExecuteStatement returned no Id');
    const done = await this.wait(out.Id);
    if (done.Status !== 'FINISHED') throw this.failure(done, [sql]);
    return done.HasResultSet ? this.results(out.Id) : [];
  }

  /** Nothing to close: the Data API is stateless HTTP, and a session closes by itself when idle. */
  async close(): Promise<void> {}

  /**
   * Runs the transaction call in `session`; a failure whose text looks
   * transient (a serialization conflict, a lost connection) is sent again in
   * the same session with a new token, up to `maxAttempts` calls in all, then
   * becomes a TransientError. Other failures throw at once.
   */
  private async transaction(
    what: string,
    statements: ScriptStatement[],
    session: Session,
    parameters: SqlParameter[],
  ): Promise<DescribeStatementResponse> {
    const maxAttempts = this.config.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.batch(
          what,
          statements.map((s) => s.sql),
          session,
          parameters,
          attempt,
        );
      } catch (error) {
        if (!(error instanceof TransientError) || !(error.cause instanceof RedshiftStatementError) || attempt >= maxAttempts)
          throw error;
      }
    }
  }

  /**
   * Runs `sqls` (1–40) as one BatchExecuteStatement and waits for it. With a
   * `session`, the first call opens it (SessionKeepAliveSeconds) and records
   * its id; later calls pass only the SessionId. Throws
   * RedshiftStatementError (terminal) for a failed statement, or
   * TransientError wrapping it when its text looks transient; TransientError
   * when the session cannot be reused (it closed or timed out: nothing was
   * kept, so the whole load may be retried).
   */
  private async batch(
    what: string,
    sqls: string[],
    session: Session | undefined,
    parameters: SqlParameter[],
    attempt = 1,
  ): Promise<DescribeStatementResponse> {
    if (sqls.length < 1 || sqls.length > DATA_API_MAX_SQLS) {
      throw new TerminalError(`${what}: a Data API batch takes 1 to ${DATA_API_MAX_SQLS} statements, not ${sqls.length}`);
    }
    const where = session?.id
      ? { SessionId: session.id }
      : {
          ...this.connection,
          ...(session
            ? { SessionKeepAliveSeconds: this.config.sessionKeepAliveSeconds ?? DEFAULT_SESSION_KEEP_ALIVE_SECONDS }
            : {}),
        };
    const input = {
      ...where,
      Sqls: sqls,
      ...(parameters.length ? { Parameters: parameters } : {}),
      ClientToken: session?.id ? token([session.id, String(attempt), ...sqls]) : randomUUID(),
      StatementName: what.slice(0, 500),
    };
    let out: BatchExecuteStatementCommandOutput;
    try {
      out = await awsCall(`redshift-data BatchExecuteStatement (${what})`, () =>
        this.client.send(new BatchExecuteStatementCommand(input)),
      );
    } catch (error) {
      if (session?.id && error instanceof TerminalError && /session/i.test(errorMessage(error.cause ?? error))) {
        throw new TransientError(
          `${what}: Data API session ${session.id} cannot be reused (closed or timed out); nothing was kept`,
          { cause: error },
        );
      }
      throw error;
    }
    if (!out.Id) throw new TerminalError('redshift-data BatchExecuteStatement returned no Id');
    if (session && !session.id) {
      if (!out.SessionId) throw new TerminalError(`${what}: the Data API opened no session (no SessionId in its answer)`);
      session.id = out.SessionId;
    }
    const done = await this.wait(out.Id);
    if (done.Status === 'FINISHED') return done;
    const failure = this.failure(done, sqls);
    if (TRANSIENT_SQL_ERROR.test(failure.detail)) throw new TransientError(`${what}: ${failure.message}`, { cause: failure });
    throw failure;
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
