/**
 * The reconcile job (issue 15, part 3; README "Change capture"): finds what a
 * `last_updated` watermark cannot see, deletes and updates that left
 * `last_updated` unchanged, by comparing every source key's row hash with the
 * lake's latest version of that key, and writes the differences as a run like
 * any other (parts, ledger record, manifest), so the normal chain carries
 * them to the warehouse.
 *
 * Per table:
 *   1. the source streams `key, canonical text of the row` (row-text.ts) into
 *      a scratch object `_reconcile/<run>/<table>/keys.tsv` in the raw zone
 *      (headerless TSV, a folder of its own; never the table in memory);
 *   2. the query engine (DuckDB locally, Athena on AWS:
 *      core/reconcile-comparison.ts) hashes it and the cleaned zone's latest
 *      version of every key, rendered as the same canonical text, joins the
 *      two on the key in one pass and returns only the keys that differ;
 *   3. keys missing in the source become `delete` rows (the lake's last values,
 *      `last_updated` = the delete's time); keys new or changed in the source
 *      are re-read from it and become `insert` / `update` rows. The version
 *      (`last_updated`) of a written row is the source's when that is later
 *      than the lake's latest version of the key (a change the watermark will
 *      also bring, deduplicated downstream), else the reconcile time
 *      (a delete, or an update that left `last_updated` unchanged), and at
 *      least one millisecond after the lake's latest version.
 *
 * Raw rows carry their operation in `_op` (tables.ts RAW_OP_COLUMN). The
 * watermarks are not touched.
 */
import { Readable } from 'node:stream';
import { ConflictError, TerminalError, errorMessage } from '../lib/core/errors';
import { quoteIdent, quoteLiteral } from '../lib/core/identifiers';
import type { Logger } from '../lib/core/logger';
import type { Catalog, Clock, ObjectStore, QueryEngine, RawRow, RunLedger, SourceColumn } from '../lib/core/ports';
import { RawPartWriter } from '../lib/core/raw-part-writer';
import { publishRun } from '../lib/core/publish-run';
import type { ComparisonDialect, KeyRelation, ReconcileComparison } from '../lib/core/reconcile-comparison';
import type { ReconcileSource } from '../lib/core/reconcile-source';
import { engineHashSql, rowTextSql } from '../lib/core/row-text';
import { claimRunId, discardRun } from '../lib/core/run-lifecycle';
import { tableFilter } from '../lib/core/table-globs';
import { renderModel } from '../lib/core/sql/render';
import { RECONCILE_SCRATCH_PREFIX } from '../lib/definition/object-keys';
import { OP_COLUMN, RAW_OP_COLUMN, SOURCE_TABLES, type ChangeOp, type SourceTableDef } from '../lib/definition/tables';

export interface ReconcileInput {
  /** Table globs to reconcile (picomatch), e.g. `['*']`. */
  include: string[];
  /** Table globs to skip. */
  exclude: string[];
  /** Compare and report only: write no run. */
  dryRun?: boolean;
  /** Rows per part file, default 100,000. */
  partRows?: number;
}

export interface ReconcileDeps {
  source: ReconcileSource;
  /** The source tables (SourceDb.listTables: those with a `last_updated` column). */
  listTables: () => Promise<string[]>;
  raw: ObjectStore;
  /** Runs the comparison over the cleaned zone and the scratch key files, in `comparison`'s dialect. */
  engine: Pick<QueryEngine, 'query'>;
  /**
   * The engine's dialect, table names and key-file reading (core/reconcile-comparison.ts).
   * Default: DuckDB, zones as schemas (`"cleaned"."address"`), the key file read with `read_csv`.
   */
  comparison?: ReconcileComparison;
  /** The tables the cleaned zone's catalog holds (a table never cleaned is skipped: extract loads it first). */
  cleanedTables: () => Promise<string[]>;
  catalog?: Catalog;
  ledger: RunLedger;
  clock: Clock;
  logger: Logger;
}

/** What reconcile found in one table. */
export interface TableReconcile {
  /** Keys the source holds (every one compared). */
  compared: number;
  /** Live keys of the lake's latest versions. */
  lakeKeys: number;
  /** Keys in the source but not live in the lake (new, or inserted again after a delete). */
  inserted: number;
  /** Keys whose row hash differs. */
  changed: number;
  /** Live lake keys missing in the source. */
  deleted: number;
}

export interface ReconcileResult {
  /** The run written, or null (dry run, or no difference). */
  runId: string | null;
  dryRun: boolean;
  /** Per source table compared. */
  tables: Record<string, TableReconcile>;
  /** Source tables not reconciled because the lake has no cleaned rows of them yet. */
  skipped: string[];
  manifestKey?: string;
}

const STEP = 'reconcile';

/** Key files fetched ahead of the comparison (each a scratch file on disk, never in memory). */
const FETCH_AHEAD = 3;

/**
 * A timestamp as zone-less ISO text with milliseconds (`2026-01-02T10:00:00.123`):
 * DuckDB `strftime` (`%g`: milliseconds); Athena (Trino) `format_datetime`, a
 * Joda-Time pattern (Trino docs, "Date and time functions": format_datetime).
 */
function isoTextSql(dialect: ComparisonDialect, ref: string): string {
  return dialect === 'duckdb'
    ? `strftime(${ref}, '%Y-%m-%dT%H:%M:%S.%g')`
    : `format_datetime(${ref}, 'yyyy-MM-dd''T''HH:mm:ss.SSS')`;
}

/** Text of a cleaned column as a raw row carries it (ISO timestamps with ms, `yyyy-mm-dd` dates). */
function rawTextSql(def: SourceTableDef, alias: string, dialect: ComparisonDialect): string[] {
  return def.columns.map((c) => {
    const ref = `${alias}.${quoteIdent(c.name)}`;
    const expr =
      c.type === 'timestamp'
        ? isoTextSql(dialect, ref)
        : c.type === 'date'
          ? dialect === 'duckdb'
            ? `strftime(${ref}, '%Y-%m-%d')`
            : `cast(${ref} as varchar)`
          : c.type === 'int' || c.type === 'boolean'
            ? ref
            : `cast(${ref} as varchar)`;
    return `${expr} as ${quoteIdent(c.name)}`;
  });
}

/**
 * The default comparison: DuckDB over the local zones (zones as schemas), the
 * key file read in place. The CSV reader's buffer is 4 MiB instead of its
 * default 16 × the longest line (32 MiB): each thread holds buffers of that
 * size, which with the local runtime's 192 MB memory limit left the join too
 * little (scale 100 sales_order ran out of memory). A line may still be up to
 * the reader's default 2 MiB (DuckDB docs, "CSV import": buffer_size,
 * max_line_size).
 */
export function duckdbComparison(raw: Pick<ObjectStore, 'uri'>): ReconcileComparison {
  return {
    dialect: 'duckdb',
    relation: (zone, table) => `${quoteIdent(zone)}.${quoteIdent(table)}`,
    keys: async (_folder, key) => ({
      sql:
        `(select k, row_text from read_csv(${quoteLiteral(raw.uri(key))}, delim = '\\t', header = false, quote = '', escape = '', buffer_size = 4194304, ` +
        `columns = {'k': 'VARCHAR', 'row_text': 'VARCHAR'}))`,
      release: async () => undefined,
    }),
  };
}

/** Zone-less ISO text with milliseconds of an instant (`2026-01-02T10:00:00.123`). */
const isoMs = (ms: number) => new Date(ms).toISOString().slice(0, 23);

/**
 * The version of a written row: the source's own (`sourceStamp`) when it is
 * later than the lake's latest version, else the reconcile time, never at or
 * before the lake's latest version.
 */
function versionOf(sourceStamp: string | null, lakeStamp: string | null, reconcileMs: number): string {
  if (sourceStamp !== null && (lakeStamp === null || sourceStamp > lakeStamp)) return sourceStamp;
  const after = lakeStamp === null ? reconcileMs : Math.max(reconcileMs, Date.parse(`${lakeStamp}Z`) + 1);
  return isoMs(after);
}

interface Difference {
  key: string;
  op: ChangeOp;
  lakeVersion: string | null;
}

/**
 * Compares the source with the lake and (unless `dryRun`) writes the
 * differences as one run (module comment).
 *
 * @returns per table the keys compared, inserted, changed and deleted; the run id (null when dry or nothing differs)
 * @throws TerminalError when runs are still open in the ledger (their rows
 *   are not in the lake's latest versions yet, so they would be found again:
 *   finish them first), for bad input, or a source table without the
 *   one-column key of its contract; storage, source and engine errors as their
 *   adapters throw them. A failure before the run is recorded discards it
 *   (`discardRun`); a failed manifest write marks it failed.
 */
export async function reconcile(input: ReconcileInput, deps: ReconcileDeps): Promise<ReconcileResult> {
  const { raw, ledger, clock, logger } = deps;
  const comparison = deps.comparison ?? duckdbComparison(raw);
  const dryRun = input.dryRun ?? false;
  const partRows = input.partRows ?? 100_000;
  if (!Number.isInteger(partRows) || partRows < 1) throw new TerminalError(`partRows must be a positive integer: ${partRows}`);
  const open = await ledger.openRuns();
  if (open.length > 0) {
    throw new TerminalError(
      `${open.length} run(s) are still in the chain (${open
        .slice(0, 3)
        .map((r) => `${r.runId} at ${r.stage}${r.failed ? ', failed' : ''}`)
        .join('; ')}): let them finish (lakehouse run, or lakehouse retry) before reconciling`,
    );
  }
  const selected = tableFilter(input.include, input.exclude);
  const contract = new Map(SOURCE_TABLES.map((t) => [t.name, t]));
  const tables = (await deps.listTables()).filter((t) => selected(t) && contract.has(t));
  const cleaned = new Set(await deps.cleanedTables());
  const skipped = tables.filter((t) => !cleaned.has(t));
  const runId = await claimRunId(deps);
  const reconcileMs = clock.now().getTime();
  const result: ReconcileResult = { runId: null, dryRun, tables: {}, skipped };
  logger.info('reconcile started', { step: STEP, runId, tables, skipped, dryRun });

  const written = new Map<string, { files: string[]; rows: number; schema: SourceColumn[] }>();
  let recorded = false;
  try {
    const order = tables.filter((t) => cleaned.has(t));
    const folderOf = (table: string) => `${RECONCILE_SCRATCH_PREFIX}${runId}/${table}/`;
    const scratchOf = (table: string) => `${folderOf(table)}keys.tsv`;
    /** Streams one table's `key, row text` file into the raw zone; resolves to the table's source columns and its line count. */
    const fetchKeys = async (table: string) => {
      const columns = await deps.source.describe(table);
      const lines = countLines(deps.source.keyTexts(contract.get(table)!, columns));
      await raw.putStream(scratchOf(table), Readable.from(lines));
      return { columns, compared: lines.count() };
    };
    // The source streams the key files of the next tables while the engine compares this one's, so the source's and
    // the engine's work overlap (the benchmark compares reconcile with one COPY of the keys): up to FETCH_AHEAD files
    // wait on disk, whatever the tables' sizes. A fetch that fails is reported when its turn comes.
    const fetches = fetchAhead(order, FETCH_AHEAD, fetchKeys);
    try {
      for (let i = 0; i < order.length; i++) {
        const table = order[i];
        const def = contract.get(table)!;
        const folder = folderOf(table);
        const scratch = scratchOf(table);
        let keyRelation: KeyRelation | undefined;
        try {
          const { columns, compared } = await fetches.take(i);
          keyRelation = await comparison.keys(folder, scratch, table, runId);
          const ctx: CompareContext = { def, runId, sourceKeys: keyRelation.sql, engine: deps.engine, comparison };
          const { counts, differences } = await compare(ctx, compared);
          result.tables[table] = counts;
          logger.info('table reconciled', { step: STEP, runId, table, ...counts });
          if (dryRun || differences.length === 0) continue;
          const writer = new RawPartWriter(raw, table, runId, partRows);
          try {
            const fromSource = differences.filter((d) => d.op !== 'delete');
            const byKey = new Map(fromSource.map((d) => [d.key, d]));
            const rows = await deps.source.rowsByKey(
              def,
              columns,
              fromSource.map((d) => d.key),
            );
            await writer.write(
              rows.map((row) => {
                const d = byKey.get(String(row[def.primaryKey]))!;
                const stamp = typeof row.last_updated === 'string' ? row.last_updated : null;
                return { ...row, last_updated: versionOf(stamp, d.lakeVersion, reconcileMs), [RAW_OP_COLUMN]: d.op };
              }),
            );
            if (differences.some((d) => d.op === 'delete')) {
              const gone = await deletedRows(ctx);
              await writer.write(
                gone.map((row) => ({
                  ...row,
                  last_updated: versionOf(null, row.last_updated as string, reconcileMs),
                  [RAW_OP_COLUMN]: 'delete',
                })),
              );
            }
          } finally {
            await writer.close();
          }
          if (writer.rows > 0) written.set(table, { files: writer.files, rows: writer.rows, schema: columns });
        } finally {
          // Best effort: a leftover is scratch only (a later run uses folders of its own).
          await keyRelation
            ?.release()
            .catch((error: unknown) =>
              logger.warn('scratch key table not dropped', { step: STEP, runId, table, error: errorMessage(error) }),
            );
          await raw.delete(scratch).catch(() => undefined);
        }
      }
    } finally {
      // After a failure, let fetches still streaming end before their files are removed.
      for (const table of await fetches.stop()) await raw.delete(scratchOf(table)).catch(() => undefined);
    }

    if (written.size === 0) {
      await discardRun(deps, STEP, runId, []);
      logger.info(dryRun ? 'dry run: nothing written' : 'source and lake agree: no run', { step: STEP, runId: null });
      return result;
    }
    const { manifestKey } = await publishRun(
      deps,
      STEP,
      runId,
      { origin: 'reconcile', at: clock.now().toISOString(), tables: Object.fromEntries(written) },
      () => (recorded = true),
    );
    return { ...result, runId, manifestKey };
  } catch (error) {
    if (!recorded) await discardRun(deps, STEP, runId, tables, error instanceof ConflictError);
    throw error;
  }
}

/** What the comparison queries of one table need. */
interface CompareContext {
  def: SourceTableDef;
  runId: string;
  /** The scratch key file as a relation `(k, h)` (core/reconcile-comparison.ts). */
  sourceKeys: string;
  engine: Pick<QueryEngine, 'query'>;
  comparison: ReconcileComparison;
}

/** The cleaned zone's latest version of every key of `def` (render.ts `:latest`), as of run `runId`. */
const latest = (def: SourceTableDef, runId: string, comparison: ReconcileComparison) =>
  renderModel(`select * from {{ cleaned.${def.name}:latest }}`, {
    engine: comparison.dialect,
    runId,
    relation: comparison.relation,
  });

/**
 * Every version of every key of `def` in the cleaned zone, as of run `runId`
 * (render.ts `:all`). The comparison ranks them itself, as `:latest` does
 * (greatest last_updated, ties to the greatest run id), after narrowing each
 * row to its key, hash, op and version: the window then holds four columns,
 * not the table's.
 */
const allVersions = (def: SourceTableDef, runId: string, comparison: ReconcileComparison) =>
  renderModel(`select * from {{ cleaned.${def.name}:all }}`, {
    engine: comparison.dialect,
    runId,
    relation: comparison.relation,
  });

/**
 * The comparison query of one table, one pass over the key file and the
 * lake's latest versions: the differing keys, each with its operation and the
 * lake's latest version (ISO text). Both sides' canonical texts are hashed by
 * the engine (row-text.ts engineHashSql) and compared per key. Exported for
 * the rendering tests of both dialects.
 */
export function comparisonSql(def: SourceTableDef, runId: string, sourceKeys: string, comparison: ReconcileComparison): string {
  const key = quoteIdent(def.primaryKey);
  const d = comparison.dialect;
  return `
with src as (select k, ${engineHashSql(d, 'row_text')} as h from ${sourceKeys}),
versions as (
    select cast(l.${key} as varchar) as k, ${engineHashSql(d, rowTextSql(def, d, 'l'))} as h,
        l.${quoteIdent(OP_COLUMN)} is not distinct from 'delete' as gone, l.last_updated, l.run_id
    from (${allVersions(def, runId, comparison)}) l
),
ranked as (
    select k, h, gone, last_updated, row_number() over (partition by k order by last_updated desc, run_id desc) as recency
    from versions
),
lake as (select k, h, gone, ${isoTextSql(d, 'last_updated')} as version from ranked where recency = 1),
joined as (
    select
        coalesce(src.k, lake.k) as k,
        case
            when src.k is null then 'delete'
            when lake.k is null or lake.gone then 'insert'
            else 'update'
        end as op,
        lake.version,
        src.k is not null as in_source,
        lake.k is not null and not lake.gone as live_in_lake,
        src.h is distinct from lake.h as differs
    from src
    full outer join lake on lake.k = src.k
)
select k, op, version from joined
where (in_source and (not live_in_lake or differs)) or (not in_source and live_in_lake)
`;
}

/** The lake's latest values of the live keys missing in the source, as raw-row text (step 3). */
export function deletedRowsSql(def: SourceTableDef, runId: string, sourceKeys: string, comparison: ReconcileComparison): string {
  const key = quoteIdent(def.primaryKey);
  return (
    `select ${rawTextSql(def, 'l', comparison.dialect).join(', ')} from (${latest(def, runId, comparison)}) l ` +
    `where l.${quoteIdent(OP_COLUMN)} is distinct from 'delete' ` +
    `and cast(l.${key} as varchar) not in (select k from ${sourceKeys})`
  );
}

/**
 * Counts and differing keys of one table (module comment, step 2). The live
 * lake keys need no query of their own: they are the source keys that are
 * live in the lake (`compared - inserted`) and the live keys the source lost
 * (`deleted`).
 *
 * @param compared  the lines of the table's key file (one per source key)
 */
async function compare(ctx: CompareContext, compared: number): Promise<{ counts: TableReconcile; differences: Difference[] }> {
  const { def, runId, sourceKeys, comparison, engine } = ctx;
  const rows = await engine.query(comparisonSql(def, runId, sourceKeys, comparison));
  const differences: Difference[] = rows.map((r) => ({
    key: String(r.k),
    op: r.op as ChangeOp,
    lakeVersion: r.version === null || r.version === undefined ? null : String(r.version),
  }));
  const count = (op: ChangeOp) => differences.filter((d) => d.op === op).length;
  const inserted = count('insert');
  const deleted = count('delete');
  return {
    counts: { compared, lakeKeys: compared - inserted + deleted, inserted, changed: count('update'), deleted },
    differences,
  };
}

/**
 * Runs `fetch` over `items` one at a time, in order, each started as soon as
 * the one before it has finished and at most `ahead` items beyond the last
 * one taken. `take(i)` waits for item i (taken in order) and lets the fetch
 * of item i + ahead start; a failed fetch stops the ones after it and its
 * error comes out of its `take`, never as an unhandled rejection. `stop()`
 * starts nothing more and resolves, once every started fetch has settled, to
 * the items fetched (or being fetched) but never taken.
 */
function fetchAhead<T>(items: readonly string[], ahead: number, fetch: (item: string) => Promise<T>) {
  let stopped = false;
  const startedItems = new Set<number>();
  const takenItems = new Set<number>();
  const gates = items.map(() => {
    let resolve = () => {};
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  });
  const results: Promise<T>[] = [];
  items.forEach((item, i) => {
    const before = i === 0 ? Promise.resolve() : results[i - 1].then(() => undefined);
    const turn = i < ahead ? Promise.resolve() : gates[i - ahead].promise;
    const result = Promise.all([before, turn]).then(() => {
      if (stopped) throw new TerminalError('reconcile stopped before this table was fetched');
      startedItems.add(i);
      return fetch(item);
    });
    result.catch(() => undefined);
    results.push(result);
  });
  return {
    take(i: number): Promise<T> {
      takenItems.add(i);
      gates[i].resolve();
      return results[i];
    },
    async stop(): Promise<string[]> {
      stopped = true;
      for (const gate of gates) gate.resolve();
      await Promise.allSettled(results);
      return items.filter((_item, i) => startedItems.has(i) && !takenItems.has(i));
    },
  };
}

/**
 * Passes a byte stream through and counts its newlines (the lines of a key
 * file, one per source key); `count()` is final once the stream has ended.
 */
function countLines(chunks: AsyncIterable<Buffer>): AsyncIterable<Buffer> & { count: () => number } {
  let lines = 0;
  return {
    count: () => lines,
    async *[Symbol.asyncIterator]() {
      for await (const chunk of chunks) {
        for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
        yield chunk;
      }
    },
  };
}

/** The lake's latest values of the live keys missing in the source, as raw rows (step 3). */
async function deletedRows(ctx: CompareContext): Promise<RawRow[]> {
  return (await ctx.engine.query(deletedRowsSql(ctx.def, ctx.runId, ctx.sourceKeys, ctx.comparison))) as RawRow[];
}
