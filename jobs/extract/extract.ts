/**
 * The extract job (docs/architecture.md "Watermarks and lookback"): reads what changed in each
 * source table since its watermark (minus a lookback, so late commits are not
 * missed), writes only versions not extracted before as gzip JSON Lines parts
 * into the raw zone, records the run, writes the manifest that starts the
 * chain, and only then advances the watermarks.
 */
import { ConflictError, TerminalError, errorMessage } from '../lib/core/errors';
import type { Logger } from '../lib/core/logger';
import type {
  Catalog,
  Clock,
  ObjectStore,
  RunLedger,
  SourceColumn,
  SourceDb,
  TableWatermark,
  Watermarks,
} from '../lib/core/ports';
import { lineReject, writeLineRejects, type LineReject } from '../lib/core/line-rejects';
import { oversizeLines, RAW_MAX_ROW_BYTES, RawPartWriter, withoutRows } from '../lib/core/raw-part-writer';
import { publishRun } from '../lib/core/publish-run';
import { tableFilter } from '../lib/core/table-globs';
import { claimRunId, discardRun } from '../lib/core/run-lifecycle';

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
  /**
   * Tables extracted at once, default 2 (each table's rows are rendered and
   * compressed while another's are read; a source that has one connection
   * serves them in turn).
   */
  concurrency?: number;
  /** Read every row of every table, ignoring the watermarks (the initial load of change capture). Default false. */
  full?: boolean;
}

export interface ExtractDeps {
  source: SourceDb;
  raw: ObjectStore;
  /** Where the run's raw partitions are registered once the manifest is written (optional; best effort). */
  catalog?: Catalog;
  ledger: RunLedger;
  clock: Clock;
  logger: Logger;
}

export interface ExtractResult {
  /** The new run, or null when no table had new rows (nothing was written). */
  runId: string | null;
  /** The source tables the include and exclude globs matched (empty: a misconfiguration or an empty source, nothing read). */
  matched: string[];
  /** How many tables with a `last_updated` column the source has, matched or not. */
  available: number;
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

/** The last_updated part of a window key (after the last `@`). */
function keyStamp(windowKey: string): string {
  return windowKey.slice(windowKey.lastIndexOf('@') + 1);
}

/**
 * A last_updated text in the fixed 23-character form `yyyy-mm-ddThh:mm:ss.mmm`,
 * in which text order is time order (what the source returns; anything else
 * is parsed and rewritten).
 * @throws TerminalError when it is not an ISO timestamp.
 */
function comparableStamp(stamp: string, what: string): string {
  return stamp.length === 23 && stamp.charCodeAt(10) === 84 /* T */ ? stamp : localIso(localMs(stamp, what));
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
 *
 * Per row only text comparisons are made: stamps are compared in their fixed
 * ISO form, a row can only be a re-read of an extracted version when its
 * stamp is not after the prior watermark, and the lookback window (the rows
 * within `lookbackMs` of the newest stamp, whose keys the next extract skips)
 * is trimmed in batches, so memory is bounded by the window, not the table.
 */
async function extractTable(
  table: string,
  runId: string,
  input: Required<Pick<ExtractInput, 'lookbackMs' | 'partRows'>> & Pick<ExtractInput, 'pageSize'>,
  prior: TableWatermark | undefined,
  deps: ExtractDeps,
): Promise<TableOutcome> {
  const schema = await deps.source.describe(table);
  const priorMs = prior ? localMs(prior.lastUpdated, `watermark of ${table}`) : undefined;
  const from = priorMs === undefined ? null : localIso(priorMs - input.lookbackMs);
  const priorStamp = priorMs === undefined ? undefined : localIso(priorMs);
  const seen = new Set(prior?.windowKeys ?? []);
  const what = `${table}.last_updated`;

  const writer = new RawPartWriter(deps.raw, table, runId, input.partRows);
  let max = priorStamp;
  // The lookback window candidates, as parallel arrays: comparable stamp, row stamp text, key text.
  let windowStamps: string[] = [];
  let windowRaw: string[] = [];
  let windowIds: string[] = [];
  let trimAt = 4096;
  const trim = (floor: string) => {
    const keep = windowStamps.map((stamp) => stamp >= floor);
    windowStamps = windowStamps.filter((_, i) => keep[i]);
    windowRaw = windowRaw.filter((_, i) => keep[i]);
    windowIds = windowIds.filter((_, i) => keep[i]);
  };
  const floorOf = (stamp: string) => localIso(localMs(stamp, what) - input.lookbackMs);
  let reRead = 0;
  // Rows over the raw row limit: rejected here with a reason (the raw catalog could not read them), counted by row of the extract.
  const oversize: LineReject[] = [];
  let rowNumber = 0;
  try {
    for await (const page of deps.source.streamChangedLines(table, from, input.pageSize)) {
      let skip: boolean[] | undefined;
      const tooLong = oversizeLines(page);
      for (let i = 0; i < page.starts.length; i++) {
        rowNumber++;
        const raw = page.lastUpdated[i];
        if (typeof raw !== 'string') throw new TerminalError(`${table}: a row has no last_updated text`);
        const stamp = comparableStamp(raw, what);
        if (priorStamp !== undefined && stamp <= priorStamp && seen.has(`${page.keys[i]}@${raw}`)) {
          reRead++;
          (skip ??= new Array<boolean>(page.starts.length).fill(false))[i] = true;
        }
        if (tooLong?.[i] && !skip?.[i]) {
          const end = i + 1 < page.starts.length ? page.starts[i + 1] : page.text.length;
          const line = page.text.subarray(page.starts[i], end - 1);
          const reason = `row with key ${page.keys[i]} at ${page.lastUpdated[i]} is ${line.length} bytes, over the raw row limit of ${RAW_MAX_ROW_BYTES}`;
          oversize.push(lineReject(rowNumber, reason, line.subarray(0, 256 * 1024).toString('utf8')));
          (skip ??= new Array<boolean>(page.starts.length).fill(false))[i] = true;
        }
        if (max === undefined || stamp > max) max = stamp;
        windowStamps.push(stamp);
        windowRaw.push(raw);
        windowIds.push(page.keys[i]);
      }
      if (windowStamps.length > trimAt) {
        trim(floorOf(max!));
        trimAt = Math.max(4096, 2 * windowStamps.length);
      }
      await writer.writePage(skip ? withoutRows(page, skip) : page);
    }
  } finally {
    await writer.close();
  }
  if (oversize.length) {
    const rejectsKey = await writeLineRejects(deps.raw, { runId, table, stage: 'extract', file: `source:${table}` }, oversize);
    deps.logger.error('source rows rejected', {
      step: STEP,
      runId,
      table,
      rejected: oversize.length,
      rejectsKey,
      error: `${table}: ${oversize.length} row(s) over the raw row limit of ${RAW_MAX_ROW_BYTES} bytes, kept in ${rejectsKey}`,
    });
  }

  let next: TableWatermark | undefined;
  if (max !== undefined) {
    const floor = floorOf(max);
    const floorMs = localMs(floor, what);
    trim(floor);
    const windowKeys = new Set(windowIds.map((id, i) => `${id}@${windowRaw[i]}`));
    for (const old of prior?.windowKeys ?? []) {
      if (localMs(keyStamp(old), `window key of ${table}`) >= floorMs) windowKeys.add(old);
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
 * `partRows` rows). The run id is claimed first (run-lifecycle.ts
 * `claimRunId`: the second's stamp, `_2`, `_3`… on a clash, no listing).
 * When no table has new rows it writes nothing, releases the id and returns
 * `{ runId: null, tables: {} }`. Otherwise it records the run in the ledger
 * (stage `extracted`), writes the manifest (`_manifests/<run>.json`, the
 * event that starts the chain), then advances the watermarks (docs/architecture.md "Data contracts").
 *
 * @returns the run id (null when nothing changed), rows per table, the manifest key
 * @throws TerminalError for bad input, malformed timestamps or (from the
 *   source) a table without a primary key; ConflictError (transient) when another extract
 *   advanced the watermarks first, after this run's manifest was written
 *   (downstream dedupe on (pk, last_updated) absorbs the overlap); storage and
 *   source errors as their adapters throw them; TransientError when every id
 *   of the second is claimed. On a failure before the run is recorded, the
 *   run is discarded (part files removed, id released: `discardRun`); when the
 *   manifest write fails after it, the run is marked failed (`markRunFailed`)
 *   and the error rethrown — the same lifecycle as ingest.
 */
export async function extract(input: ExtractInput, deps: ExtractDeps): Promise<ExtractResult> {
  const { source, ledger, clock, logger } = deps;
  if (!Number.isFinite(input.lookbackMs) || input.lookbackMs < 0) {
    throw new TerminalError(`lookbackMs must be a non-negative number of milliseconds: ${input.lookbackMs}`);
  }
  const partRows = input.partRows ?? 100_000;
  if (!Number.isInteger(partRows) || partRows < 1) throw new TerminalError(`partRows must be a positive integer: ${partRows}`);
  const concurrency = input.concurrency ?? 2;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new TerminalError(`concurrency must be a positive integer: ${concurrency}`);

  const available = await source.listTables();
  const tables = available.filter(tableFilter(input.include, input.exclude));
  if (tables.length === 0) {
    // Not "no changes": nothing was looked at. Said as a warning so a person sees it, with what to check.
    logger.warn('no source table matched', {
      step: STEP,
      available: available.length,
      include: input.include,
      exclude: input.exclude,
    });
    return { runId: null, matched: [], available: available.length, tables: {} };
  }
  const { watermarks, version } = await ledger.getWatermarks();
  const runId = await claimRunId(deps);
  logger.info('extract started', { step: STEP, runId, tables, lookbackMs: input.lookbackMs });

  const outcomes = new Map<string, TableOutcome>();
  let recorded = false;
  try {
    await eachTable(tables, concurrency, async (table) => {
      outcomes.set(
        table,
        await extractTable(
          table,
          runId,
          { lookbackMs: input.lookbackMs, partRows, pageSize: input.pageSize },
          input.full ? undefined : watermarks[table],
          deps,
        ),
      );
    });

    const changed = tables.filter((t) => outcomes.get(t)!.rows > 0).map((t) => [t, outcomes.get(t)!] as const);
    if (changed.length === 0) {
      await discardRun(deps, STEP, runId, []); // no table started a part: only the claim to release
      logger.info('no new rows: no run', { step: STEP, runId: null, tables: tables.length });
      return { runId: null, matched: tables, available: available.length, tables: {} };
    }

    const { manifestKey, counts } = await publishRun(
      deps,
      STEP,
      runId,
      {
        origin: 'extract',
        at: clock.now().toISOString(),
        tables: Object.fromEntries(
          changed.map(([t, o]) => [
            t,
            { files: o.files, rows: o.rows, schema: o.schema, watermark: { from: o.from, to: o.next!.lastUpdated } },
          ]),
        ),
      },
      () => (recorded = true),
    );

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
    return { runId, matched: tables, available: available.length, tables: counts, manifestKey };
  } catch (error) {
    // A ConflictError before the record means the record exists already: its folder is not ours to empty.
    if (!recorded) await discardRun(deps, STEP, runId, tables, error instanceof ConflictError);
    throw error;
  }
}

/**
 * Runs `fn` for every table, at most `concurrency` at once, in list order.
 * After a failure no further table starts; resolves once every started call
 * has ended, then throws the first failure (so no writer is still running
 * when the caller cleans up).
 */
async function eachTable(tables: string[], concurrency: number, fn: (table: string) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < tables.length) {
      const table = tables[next++];
      try {
        await fn(table);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tables.length) }, worker));
  if (failure) throw failure.error;
}
