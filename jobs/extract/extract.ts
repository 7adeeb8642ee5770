/**
 * The extract job (DESIGN.md §3 Watermarks): reads what changed in each
 * source table since its watermark (minus a lookback, so late commits are not
 * missed), writes only versions not extracted before as gzip JSON Lines parts
 * into the raw zone, records the run, writes the manifest that starts the
 * chain, and only then advances the watermarks.
 */
import picomatch from 'picomatch';
import { ConflictError, TerminalError, errorMessage } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { manifestSchema, type Manifest } from '../lib/manifest';
import { SOURCE_TABLES, keys } from '../lib/pipeline';
import type { Clock, ObjectStore, RawRow, RunLedger, SourceColumn, SourceDb, TableWatermark, Watermarks } from '../lib/ports';
import { RawPartWriter } from '../lib/raw-part-writer';
import { newRunId } from '../lib/run-id';

export interface ExtractInput {
  /** Table globs to extract (picomatch), e.g. `['*']`. */
  include: string[];
  /** Table globs to skip, e.g. `['_prisma_migrations']`. */
  exclude: string[];
  /** How far before each watermark to re-read, in milliseconds (≥ 0). */
  lookbackMs: number;
  /** Rows per source query page (default: the SourceDb's). */
  pageSize?: number;
  /** Rows per part file, default 100_000. */
  partRows?: number;
}

export interface ExtractDeps {
  source: SourceDb;
  raw: ObjectStore;
  ledger: RunLedger;
  clock: Clock;
  logger: Logger;
}

export interface ExtractResult {
  /** The new run, or null when no table had new rows (nothing was written). */
  runId: string | null;
  /** Rows extracted per table; only tables with rows. */
  tables: Record<string, number>;
  /** Raw-zone key of the run's manifest, when a run was made. */
  manifestKey?: string;
}

const STEP = 'extract';
const ISO_LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?$/;

/** Milliseconds of a source-local ISO timestamp on a zone-less time line (read as if UTC; only differences matter). */
function localMs(iso: string, what: string): number {
  const ms = ISO_LOCAL.test(iso) ? Date.parse(`${iso}Z`) : NaN;
  if (Number.isNaN(ms)) throw new TerminalError(`${what} is not an ISO timestamp with milliseconds: ${JSON.stringify(iso)}`);
  return ms;
}

/** The zone-less ISO form (`2025-02-25T13:21:09.875`) of a {@link localMs} value. */
function localIso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23);
}

/** The `<pk>@<last_updated>` identity of a row version (composite keys: the key values as a JSON array). */
function versionKey(row: RawRow, key: string[], lastUpdated: string): string {
  const id = key.length === 1 ? String(row[key[0]]) : JSON.stringify(key.map((k) => row[k]));
  return `${id}@${lastUpdated}`;
}

/** The last_updated part of a window key (after the last `@`). */
function keyStamp(windowKey: string): string {
  return windowKey.slice(windowKey.lastIndexOf('@') + 1);
}

/** Primary key columns: as the source reports them, else as the pipeline definition names them. */
function primaryKeyOf(table: string, schema: SourceColumn[]): string[] {
  const reported = schema.filter((c) => c.primaryKey).map((c) => c.name);
  if (reported.length > 0) return reported;
  const defined = SOURCE_TABLES.find((t) => t.name === table)?.primaryKey;
  if (defined) return [defined];
  throw new TerminalError(`no primary key known for source table ${table}: cannot tell row versions apart`);
}

/** A glob matcher; an empty list matches nothing. */
function matcher(globs: string[]): (name: string) => boolean {
  return globs.length === 0 ? () => false : picomatch(globs);
}

interface TableOutcome {
  rows: number;
  files: string[];
  from: string | null;
  next?: TableWatermark;
  schema: SourceColumn[];
}

/**
 * Streams one table's changes since its watermark into the run's parts.
 * Window bookkeeping: rows arrive in last_updated order, so the keys inside
 * `[current max − lookback, current max]` are kept in a queue whose head is
 * dropped as the max moves on; memory is bounded by the window, not the table.
 */
async function extractTable(
  table: string,
  runId: string,
  input: Required<Pick<ExtractInput, 'lookbackMs' | 'partRows'>> & Pick<ExtractInput, 'pageSize'>,
  prior: TableWatermark | undefined,
  deps: ExtractDeps,
): Promise<TableOutcome> {
  const schema = await deps.source.describe(table);
  const key = primaryKeyOf(table, schema);
  const from = prior ? localIso(localMs(prior.lastUpdated, `watermark of ${table}`) - input.lookbackMs) : null;
  const seen = new Set(prior?.windowKeys ?? []);

  const writer = new RawPartWriter(deps.raw, table, runId, input.partRows);
  let maxMs = prior ? localMs(prior.lastUpdated, `watermark of ${table}`) : -Infinity;
  let max = prior?.lastUpdated;
  const window: { ms: number; key: string }[] = [];
  let head = 0; // window[0 .. head) fell out of the lookback window
  let reRead = 0;
  try {
    for await (const page of deps.source.streamChanged(table, from, input.pageSize)) {
      const fresh: RawRow[] = [];
      for (const row of page) {
        const stamp = row.last_updated;
        if (typeof stamp !== 'string') throw new TerminalError(`${table}: a row has no last_updated text`);
        const ms = localMs(stamp, `${table}.last_updated`);
        const id = versionKey(row, key, stamp);
        if (seen.has(id)) reRead++;
        else fresh.push(row);
        if (ms > maxMs) {
          maxMs = ms;
          max = stamp;
        }
        window.push({ ms, key: id });
        while (head < window.length && window[head].ms < maxMs - input.lookbackMs) head++;
        if (head > 4096 && head * 2 > window.length) {
          window.splice(0, head);
          head = 0;
        }
      }
      if (fresh.length > 0) await writer.write(fresh);
    }
  } finally {
    await writer.close();
  }

  let next: TableWatermark | undefined;
  if (max !== undefined) {
    const floor = maxMs - input.lookbackMs;
    const windowKeys = new Set(window.slice(head).filter((w) => w.ms >= floor).map((w) => w.key));
    for (const old of prior?.windowKeys ?? []) {
      if (localMs(keyStamp(old), `window key of ${table}`) >= floor) windowKeys.add(old);
    }
    next = { lastUpdated: max, windowKeys: [...windowKeys].sort() };
  }
  deps.logger.info('table extracted', {
    step: STEP,
    runId,
    table,
    since: from,
    rows: writer.rows,
    reRead,
    parts: writer.files.length,
    watermark: next?.lastUpdated ?? null,
  });
  return { rows: writer.rows, files: writer.files, from, next, schema };
}

/**
 * Extracts every included source table's changes into one new run.
 *
 * Tables: `source.listTables()` matching `include` and not `exclude`
 * (picomatch globs). Per table, reads `last_updated >= watermark − lookback`
 * (everything when there is no watermark), skips versions whose
 * `<pk>@<last_updated>` is in the watermark's window keys, and writes the rest
 * to `raw/<table>/run_id=<run>/part-NNNNN.jsonl.gz` (a new part every
 * `partRows` rows). When no table has new rows it writes nothing and returns
 * `{ runId: null, tables: {} }`. Otherwise it creates the run in the ledger
 * (stage `extracted`), writes the manifest (`_manifests/<run>.json`, the
 * event that starts the chain), then advances the watermarks (DESIGN.md §3).
 *
 * @returns the run id (null when nothing changed), rows per table, the manifest key
 * @throws TerminalError for bad input, a table without a known primary key or
 *   malformed timestamps; ConflictError (transient) when another extract
 *   advanced the watermarks first, after this run's manifest was written
 *   (downstream dedupe on (pk, last_updated) absorbs the overlap); storage and
 *   source errors as their adapters throw them. On a failure before the run
 *   is recorded, the run's part files are removed.
 */
export async function extract(input: ExtractInput, deps: ExtractDeps): Promise<ExtractResult> {
  const { source, raw, ledger, clock, logger } = deps;
  if (!Number.isFinite(input.lookbackMs) || input.lookbackMs < 0) {
    throw new TerminalError(`lookbackMs must be a non-negative number of milliseconds: ${input.lookbackMs}`);
  }
  const partRows = input.partRows ?? 100_000;
  if (!Number.isInteger(partRows) || partRows < 1) throw new TerminalError(`partRows must be a positive integer: ${partRows}`);

  const included = matcher(input.include);
  const excluded = matcher(input.exclude);
  const tables = (await source.listTables()).filter((t) => included(t) && !excluded(t));
  const { watermarks, version } = await ledger.getWatermarks();
  const runId = newRunId(clock.now(), new Set((await ledger.listRuns()).map((r) => r.runId)));
  logger.info('extract started', { step: STEP, runId, tables, lookbackMs: input.lookbackMs });

  const outcomes = new Map<string, TableOutcome>();
  let recorded = false;
  try {
    for (const table of tables) {
      outcomes.set(
        table,
        await extractTable(table, runId, { lookbackMs: input.lookbackMs, partRows, pageSize: input.pageSize }, watermarks[table], deps),
      );
    }

    const changed = [...outcomes].filter(([, o]) => o.rows > 0);
    if (changed.length === 0) {
      logger.info('no new rows: no run', { step: STEP, runId: null, tables: tables.length });
      return { runId: null, tables: {} };
    }

    const counts = Object.fromEntries(changed.map(([t, o]) => [t, o.rows]));
    const ranges = Object.fromEntries(changed.map(([t, o]) => [t, { from: o.from, to: o.next!.lastUpdated }]));
    const at = clock.now().toISOString();
    let manifest: Manifest;
    try {
      manifest = manifestSchema.parse({
        runId,
        origin: 'extract',
        createdAt: at,
        tables: Object.fromEntries(
          changed.map(([t, o]) => [
            t,
            { files: o.files, rows: o.rows, watermark: ranges[t], schema: o.schema.map(({ name, dataType, nullable }) => ({ name, dataType, nullable })) },
          ]),
        ),
      });
    } catch (error) {
      throw new TerminalError(`manifest of run ${runId} does not match its schema: ${errorMessage(error)}`, { cause: error });
    }

    await ledger.createRun({
      runId,
      origin: 'extract',
      stage: 'extracted',
      createdAt: at,
      updatedAt: at,
      history: { extracted: at },
      counts: { extracted: counts },
      watermarks: ranges,
    });
    recorded = true;

    const manifestKey = keys.manifest(runId);
    try {
      await raw.put(manifestKey, JSON.stringify(manifest, null, 2));
    } catch (error) {
      await markFailed(deps, runId, error);
      throw error;
    }
    logger.info('manifest written', { step: STEP, runId, manifestKey, rows: counts });

    const next: Watermarks = { ...watermarks };
    for (const [table, outcome] of outcomes) if (outcome.next) next[table] = outcome.next;
    try {
      await ledger.putWatermarks(next, version);
    } catch (error) {
      if (error instanceof ConflictError) {
        logger.error('watermarks advanced by a concurrent extract; this run overlaps it', {
          step: STEP,
          runId,
          error: errorMessage(error),
        });
      }
      throw error;
    }
    logger.info('watermarks advanced', {
      step: STEP,
      runId,
      watermarks: Object.fromEntries(changed.map(([t]) => [t, next[t].lastUpdated])),
    });
    return { runId, tables: counts, manifestKey };
  } catch (error) {
    if (!recorded && !(error instanceof ConflictError)) await removeParts(deps, runId, outcomes, tables);
    throw error;
  }
}

/** Best-effort removal of a failed run's part files, so a later run with the same id starts from an empty folder. */
async function removeParts(deps: ExtractDeps, runId: string, outcomes: Map<string, TableOutcome>, tables: string[]): Promise<void> {
  for (const table of tables) {
    try {
      const parts = await deps.raw.list(keys.runFolder(table, runId));
      for (const part of parts) await deps.raw.delete(part.key);
    } catch (error) {
      deps.logger.warn('could not remove the part files of a failed extract', {
        step: STEP,
        runId,
        table,
        files: outcomes.get(table)?.files.length ?? null,
        error: errorMessage(error),
      });
    }
  }
}

/** Best-effort: records on the run that extract failed after the run was created. */
async function markFailed(deps: ExtractDeps, runId: string, error: unknown): Promise<void> {
  try {
    await deps.ledger.updateRun(runId, (run) => ({
      ...run,
      failed: { step: STEP, at: deps.clock.now().toISOString(), error: errorMessage(error) },
      updatedAt: deps.clock.now().toISOString(),
    }));
  } catch (cause) {
    deps.logger.warn('could not mark the run failed', { step: STEP, runId, error: errorMessage(cause) });
  }
  deps.logger.error('manifest write failed', { step: STEP, runId, error: errorMessage(error) });
}
