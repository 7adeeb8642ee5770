/**
 * QueryEngine over Amazon Athena (engine v3, Trino SQL). A model run becomes
 *
 *   create table "<zone db>"."tmp_<table>_<run>"
 *   with (format = 'PARQUET', write_compression = 'ZSTD',
 *         external_location = 's3://<zone bucket>/<table>/run_id=<run>/')
 *   as <goodRowsSql(zone, table, rendered model)>
 *
 * plus, for cleaned models, a second CTAS of the rejected rows as reject
 * records (gzip JSON, definition/rejects.ts) into `_rejects/<table>/run_id=<run>/cleaned/`. The temporary table is dropped afterwards;
 * the files stay and the zone's crawler registers them as the table's
 * `run_id=<run>` partition. No CTAS uses `partitioned_by`, so each writes one
 * location and stays far below Athena's 100-partitions-per-CTAS limit
 * (Athena user guide, "Considerations and limitations for CTAS queries").
 *
 * Idempotency: every query carries a deterministic ClientRequestToken, a
 * SHA-256 of (workgroup, table, run, kind, SQL, what the run location held
 * when the attempt began, the failed execution it follows if any). A Lambda
 * retry that finds the location as the first attempt left it (the query still
 * in flight) gets the same token and so attaches to the same query execution
 * instead of starting a second one; a retry that finds the first attempt's
 * files gets a new token, clears the location and writes it again, so a
 * cached "succeeded" can never stand for files that were deleted since. The
 * location is cleared (objects deleted, temporary table dropped) before each
 * CTAS, because Athena refuses to write into a non-empty location
 * (HIVE_PATH_ALREADY_EXISTS).
 *
 * Tables never written: given `tables` (the zone databases' table names, from
 * Glue), a model reading a table the catalog does not have yet reads an empty
 * relation instead, as the DuckDB engine does (render.ts `exists`). The CTAS
 * text, and so its token, then differs from one naming the table.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  BatchGetQueryExecutionCommand,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  ListQueryExecutionsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { TerminalError, TransientError } from '../../core/errors';
import { quoteIdent, quoteLiteral } from '../../core/identifiers';
import { keys } from '../../definition/object-keys';
import { cleanedRejectsFolder } from '../../definition/rejects';
import type { Zone } from '../../definition/zones';
import type { ModelResult, ModelRun, ObjectInfo, QueryEngine } from '../../core/ports';
import { assertRunId } from '../../core/run-id';
import { goodRowsSql, rejectRowsSql } from '../../core/sql/materialize';
import { renderModel, type RenderContext } from '../../core/sql/render';
import { awsCall } from './classify-aws-error';
import { pollUntil, type PollOptions } from './retry';

/** What the engine needs of a zone's object store: listing and clearing a run location, and its S3 URI. */
export interface AthenaZoneStore {
  readonly zone: Zone;
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Deletes every object under the prefix; returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  /** `s3://<bucket>/<key>`. */
  uri(key: string): string;
}

/** Settings of the Athena engine (from the transform handler's environment). */
export interface AthenaEngineConfig {
  /** Athena workgroup (engine v3). */
  workgroup: string;
  /** Glue database of each zone. */
  databases: Record<Zone, string>;
  /** Query result location (`s3://…/`), unless the workgroup enforces its own. */
  outputLocation?: string;
  /** Parquet compression of written files. Default ZSTD. */
  compression?: 'ZSTD' | 'SNAPPY' | 'GZIP';
  /** Waiting for a query: bounded exponential backoff (see retry.ts). */
  poll?: PollOptions;
  /** Query executions tried when Athena reports a failure as retryable. Default 3. */
  maxAttempts?: number;
  /** Clock, for telling a cached outcome from an earlier invocation apart from a fresh one. */
  now?: () => Date;
  /**
   * Names of the tables a zone's Glue database holds now (e.g.
   * `GlueCatalog.tableNames`). When given, a model's `{{ zone.table }}` whose
   * table is not in its zone's set renders as an empty relation with the
   * table's columns (render.ts `emptyRelation`): a run can hold only some
   * source tables, and the crawler creates a table only for a folder that
   * exists. Asked afresh on every `materialize` call (once per zone the model
   * reads), never cached, because the catalog changes with each crawl.
   * Without it every table is taken to exist (a missing one fails the CTAS
   * with TABLE_NOT_FOUND).
   */
  tables?: (zone: Zone) => Promise<ReadonlySet<string>>;
  /**
   * The zone whose database is the default schema (QueryExecutionContext) of
   * ad-hoc queries ({@link AthenaQueryEngine.query}). Default raw. Athena
   * requires that database to exist in the catalog (Athena API reference,
   * "QueryExecutionContext"), so a caller granted only one zone's catalog
   * (the sweep: cleaned) names that zone.
   */
  queryZone?: Zone;
}

/** How far back a still-running writer of a run location is looked for: longer than a Lambda can run (15 min). */
const WRITER_WINDOW_MS = 20 * 60_000;
/** ListQueryExecutions pages (50 ids each) looked at, at most, when looking for such a writer. */
const WRITER_SCAN_PAGES = 6;

/** An execution Athena reports as submitted this long before our request is a cached outcome (same token). */
const CACHED_MARGIN_MS = 30_000;
/** Cached failures skipped at most per query (each skip chains a new token on the failed execution). */
const MAX_CACHED_LINKS = 10;

/** A failed Athena query: `reason` is Athena's StateChangeReason / error message. Terminal. */
export class AthenaQueryFailedError extends TerminalError {
  constructor(
    readonly queryExecutionId: string,
    readonly reason: string,
    readonly sql: string,
  ) {
    super(`athena query ${queryExecutionId} failed: ${reason}\n--- query ---\n${sql.slice(0, 2000)}`);
    this.name = 'AthenaQueryFailedError';
  }
}

/** True when Athena failed a query because its table or location already exists. */
function isAlreadyExists(reason: string): boolean {
  return /HIVE_PATH_ALREADY_EXISTS|already exists/i.test(reason);
}

/** A 64-hex-character token (Athena accepts 32–128) from the given parts. */
export function requestToken(parts: (string | undefined)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part ?? ''}\u0000`);
  return hash.digest('hex');
}

/** Plain JSON values from Athena's VarChar result cells, by the column's Athena type. */
function cellValue(text: string | undefined, column: ColumnInfo | undefined): unknown {
  if (text === undefined) return null;
  switch (column?.Type) {
    case 'integer':
    case 'tinyint':
    case 'smallint':
    case 'bigint':
    case 'double':
    case 'float':
    case 'real':
      return Number(text);
    case 'boolean':
      return text === 'true';
    default:
      return text;
  }
}

type Output = { kind: 'rows' | 'rejects'; tmpTable: string; folder: string; select: string; store: AthenaZoneStore };

/** The file format of each output: rows as Parquet, reject records as JSON Lines (definition/rejects.ts). */
const OUTPUT_FORMAT = { rows: 'PARQUET', rejects: 'JSON' } as const;

/** QueryEngine over Athena: materialises models with CTAS, answers ad-hoc queries (module comment: tokens, cleanup). */
export class AthenaQueryEngine implements QueryEngine {
  private readonly maxAttempts: number;
  /** Runs whose stale writers this engine has looked for already (an engine lives for one invocation). */
  private readonly runsCheckedForWriters = new Set<string>();

  /**
   * @param client Athena client
   * @param stores the cleaned and transformed zone stores (S3ObjectStore), for clearing run locations
   * @param config workgroup, zone databases and tuning
   */
  constructor(
    private readonly client: AthenaClient,
    private readonly stores: Record<'cleaned' | 'transformed', AthenaZoneStore>,
    private readonly config: AthenaEngineConfig,
  ) {
    this.maxAttempts = config.maxAttempts ?? 3;
  }

  /** `"<zone database>"."<table>"`: how models' placeholders name zone tables on Athena. */
  relation = (zone: Zone, table: string): string => `${quoteIdent(this.config.databases[zone])}.${quoteIdent(table)}`;

  /**
   * The CTAS statement writing `select` as Parquet (or, for reject records,
   * gzip JSON: definition/rejects.ts) to `location` through the temporary
   * table `tmpTable` in `zone`'s database. No partitioning (one location per CTAS).
   */
  ctasSql(
    zone: 'cleaned' | 'transformed',
    tmpTable: string,
    location: string,
    select: string,
    format: 'PARQUET' | 'JSON' = 'PARQUET',
  ): string {
    const compression = format === 'JSON' ? 'GZIP' : (this.config.compression ?? 'ZSTD');
    return [
      `create table ${this.relation(zone, tmpTable)}`,
      'with (',
      `    format = ${quoteLiteral(format)},`,
      `    write_compression = ${quoteLiteral(compression)},`,
      `    external_location = ${quoteLiteral(location)}`,
      ') as',
      select,
    ].join('\n');
  }

  /**
   * Renders the model for Athena and this run, writes its good rows to
   * `<table>/run_id=<run>/` (and, for cleaned models, its rejected rows as
   * reject records to `_rejects/<table>/run_id=<run>/cleaned/`) with one CTAS each, counts them, and
   * drops the temporary tables.
   *
   * With `config.tables`, the catalog is asked once per zone the model reads
   * (after the model has rendered without errors, before any query), and a
   * table not registered there reads as an empty relation.
   *
   * @returns rows and rejects written
   * @throws whatever `config.tables` throws (GlueCatalog: classified
   *   TransientError / TerminalError), before any Athena query;
   *   TerminalError on a bad table name or run id, an unknown
   *   placeholder, or a query Athena fails as not retryable (bad SQL, missing
   *   table: AthenaQueryFailedError with Athena's reason);
   *   TransientError on throttling, 5xx, retryable failures after
   *   `maxAttempts`, or a query still running at the poll deadline.
   */
  async materialize(model: ModelRun): Promise<ModelResult> {
    const { zone, table } = model;
    const runId = assertRunId(model.runId);
    quoteIdent(table);
    const rendered = await this.render(model.sql, runId);
    const outputs: Output[] = [
      {
        kind: 'rows',
        tmpTable: `tmp_${table}_${runId}`,
        folder: keys.runFolder(table, runId),
        select: goodRowsSql(zone, table, rendered),
        store: this.stores[zone],
      },
    ];
    if (zone === 'cleaned') {
      outputs.push({
        kind: 'rejects',
        tmpTable: `tmp_${table}_rejects_${runId}`,
        folder: cleanedRejectsFolder(table, runId),
        select: rejectRowsSql(table, rendered, runId),
        store: this.stores.cleaned,
      });
    }
    // A CTAS of an earlier invocation (one that timed out) may still be writing to this run's
    // locations: stop it before any location is cleared. Once per run and engine (one invocation).
    if (!this.runsCheckedForWriters.has(runId)) {
      await this.stopWritersOfRun(runId);
      this.runsCheckedForWriters.add(runId);
    }
    const counts: Record<string, number> = {};
    for (const output of outputs) counts[output.kind] = await this.writeOutput(zone, table, runId, output);
    return { table, runId, rows: counts.rows, rejects: counts.rejects ?? 0 };
  }

  /**
   * Renders the model for Athena. With `config.tables`: a first pass collects
   * the zones the model reads (and surfaces rendering errors before any
   * catalog call), the catalog is asked for those zones' tables, and the
   * second pass renders tables missing from it as empty relations.
   * Used for the models and for the data-quality tests (ports.ts `render`).
   *
   * @throws TerminalError on a rendering error (render.ts)
   */
  async render(sql: string, runId: string): Promise<string> {
    const context: RenderContext = { engine: 'athena', runId, relation: this.relation };
    const lookup = this.config.tables;
    if (!lookup) return renderModel(sql, context);
    const zones = new Set<Zone>();
    renderModel(sql, {
      ...context,
      exists: (zone) => {
        zones.add(zone);
        return true;
      },
    });
    const registered = new Map<Zone, ReadonlySet<string>>(
      await Promise.all([...zones].map(async (zone) => [zone, await lookup(zone)] as const)),
    );
    return renderModel(sql, { ...context, exists: (zone, table) => registered.get(zone)?.has(table) ?? false });
  }

  /** Clears the location, runs the CTAS, counts its rows, drops the temporary table. Returns the row count. */
  private async writeOutput(zone: 'cleaned' | 'transformed', table: string, runId: string, output: Output): Promise<number> {
    const ctas = this.ctasSql(zone, output.tmpTable, output.store.uri(output.folder), output.select, OUTPUT_FORMAT[output.kind]);
    const tmp = this.relation(zone, output.tmpTable);
    let after: string | undefined;
    for (let attempt = 1; ; attempt++) {
      const present = (await output.store.list(output.folder)).map((o) => o.key);
      const token = requestToken([this.config.workgroup, table, runId, output.kind, ctas, present.join('\n'), after]);
      await this.execute(`drop table if exists ${tmp}`, zone, [token, 'drop-before']);
      if (present.length > 0) await output.store.deletePrefix(output.folder);
      try {
        await this.execute(ctas, zone, [token]);
      } catch (error) {
        // A leftover table or files from an attempt we could not see: clear and try once more.
        if (error instanceof AthenaQueryFailedError && isAlreadyExists(error.reason) && attempt < 2) {
          after = error.queryExecutionId;
          continue;
        }
        throw error;
      }
      const counted = await this.execute(`select count(*) as "rows" from ${tmp}`, zone, [token, 'count']);
      const rows = await this.results(counted);
      await this.execute(`drop table if exists ${tmp}`, zone, [token, 'drop-after']);
      return Number(rows[0]?.rows ?? 0);
    }
  }

  /**
   * Starts a query with a token derived from `seed` and waits for it.
   * Returns the execution id once SUCCEEDED.
   * - A failure Athena submitted before this call (a cached outcome of the
   *   same token from an earlier invocation, e.g. a table missing then but
   *   crawled since) is followed by a fresh execution, its token chained on
   *   the failed one.
   * - A fresh failure Athena marks retryable (or a SYSTEM error) is retried
   *   the same way up to `maxAttempts` executions, then TransientError.
   * - Any other failure, or a cancellation, throws AthenaQueryFailedError (terminal).
   */
  private async execute(sql: string, zone: Zone, seed: (string | undefined)[]): Promise<string> {
    const now = this.config.now ?? (() => new Date());
    let previous: string | undefined;
    let attempts = 0;
    let links = 0;
    for (;;) {
      const token = seed[0] === undefined ? randomUUID() + randomUUID() : requestToken([...seed, previous]);
      const startedAt = now().getTime();
      const id = await this.start(sql, zone, token);
      const execution = await this.wait(id);
      const state = execution.Status?.State;
      if (state === 'SUCCEEDED') return id;
      previous = id;
      const submitted = execution.Status?.SubmissionDateTime?.getTime();
      if (submitted !== undefined && submitted < startedAt - CACHED_MARGIN_MS && ++links <= MAX_CACHED_LINKS) continue;
      const error = execution.Status?.AthenaError;
      const reason = [error?.ErrorMessage ?? execution.Status?.StateChangeReason ?? `query ${state}`]
        .concat(error?.ErrorType !== undefined ? [`(error type ${error.ErrorType})`] : [])
        .join(' ');
      const retryable = state === 'FAILED' && (error?.Retryable === true || error?.ErrorCategory === 1);
      if (!retryable) throw new AthenaQueryFailedError(id, state === 'CANCELLED' ? `cancelled: ${reason}` : reason, sql);
      if (++attempts >= this.maxAttempts) {
        throw new TransientError(`athena query ${id} failed ${attempts} times with retryable errors: ${reason}`);
      }
    }
  }

  /**
   * Stops every query of the workgroup that is still QUEUED or RUNNING and
   * writes to one of `runId`'s locations (its text sets an
   * `external_location` under `run_id=<runId>/`): the CTAS of an earlier
   * invocation that timed out while waiting for it. Waits until
   * each has ended, so clearing the location afterwards cannot race a writer.
   * Looks at the executions submitted in the last {@link WRITER_WINDOW_MS}
   * (newest first, at most {@link WRITER_SCAN_PAGES} pages of 50), longer
   * than a Lambda can run. Sources: Athena API reference,
   * "ListQueryExecutions", "BatchGetQueryExecution", "StopQueryExecution".
   */
  private async stopWritersOfRun(runId: string): Promise<void> {
    const writesThisRun = (query: string | undefined) =>
      query !== undefined && /external_location = '[^']*\/run_id=([^/']+)\/'/.exec(query)?.[1] === runId;
    const since = (this.config.now ?? (() => new Date()))().getTime() - WRITER_WINDOW_MS;
    let token: string | undefined;
    for (let page = 0; page < WRITER_SCAN_PAGES; page++) {
      const listed = await awsCall(`athena ListQueryExecutions in ${this.config.workgroup}`, () =>
        this.client.send(new ListQueryExecutionsCommand({ WorkGroup: this.config.workgroup, MaxResults: 50, NextToken: token })),
      );
      const ids = listed?.QueryExecutionIds ?? [];
      if (ids.length === 0) return;
      const got = await awsCall('athena BatchGetQueryExecution', () =>
        this.client.send(new BatchGetQueryExecutionCommand({ QueryExecutionIds: ids })),
      );
      const executions = got?.QueryExecutions ?? [];
      for (const execution of executions) {
        const state = execution.Status?.State;
        if ((state === 'QUEUED' || state === 'RUNNING') && execution.QueryExecutionId && writesThisRun(execution.Query)) {
          const id = execution.QueryExecutionId;
          await awsCall(`athena StopQueryExecution ${id}`, () =>
            this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })),
          );
          await this.wait(id);
        }
      }
      const oldest = Math.min(...executions.map((e) => e.Status?.SubmissionDateTime?.getTime() ?? Number.POSITIVE_INFINITY));
      token = listed?.NextToken;
      if (!token || oldest < since) return;
    }
  }

  private async start(sql: string, zone: Zone, token: string): Promise<string> {
    const out = await awsCall(`athena StartQueryExecution in ${this.config.workgroup}`, () =>
      this.client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          ClientRequestToken: token,
          WorkGroup: this.config.workgroup,
          QueryExecutionContext: { Database: this.config.databases[zone] },
          ...(this.config.outputLocation ? { ResultConfiguration: { OutputLocation: this.config.outputLocation } } : {}),
        }),
      ),
    );
    if (!out.QueryExecutionId) throw new TerminalError('athena StartQueryExecution returned no QueryExecutionId');
    return out.QueryExecutionId;
  }

  /** Polls GetQueryExecution (bounded exponential backoff) until a final state. */
  private wait(id: string): Promise<QueryExecution> {
    return pollUntil(
      `athena query ${id}`,
      async () => {
        const out = await awsCall(`athena GetQueryExecution ${id}`, () =>
          this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
        );
        const state = out.QueryExecution?.Status?.State;
        return state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED' ? out.QueryExecution : undefined;
      },
      this.config.poll,
    );
  }

  /** Every page of a finished query's results as objects (header row dropped, cells typed by column type). */
  private async results(id: string): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = [];
    let token: string | undefined;
    let first = true;
    do {
      const page = await awsCall(`athena GetQueryResults ${id}`, () =>
        this.client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token })),
      );
      const columns = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      const data = page.ResultSet?.Rows ?? [];
      // For SELECT queries Athena repeats the column names as the first row of the first page.
      for (const row of first ? data.slice(1) : data) {
        rows.push(Object.fromEntries(columns.map((c, i) => [c.Name ?? `_${i}`, cellValue(row.Data?.[i]?.VarCharValue, c)])));
      }
      first = false;
      token = page.NextToken;
    } while (token);
    return rows;
  }

  /**
   * Runs an ad-hoc SELECT in the workgroup (`config.queryZone`'s database,
   * default raw, as default schema) with a fresh random token (never a cached result) and returns
   * all rows, numbers and booleans typed from Athena's column types.
   * Throws AthenaQueryFailedError on bad SQL, TransientError on throttling.
   */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    const id = await this.execute(sql, this.config.queryZone ?? 'raw', [undefined]);
    return this.results(id);
  }
}
