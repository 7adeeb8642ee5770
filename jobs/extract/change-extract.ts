/**
 * The extract job in capture mode `cdc` (README "Change capture"; DESIGN
 * "Capture modes"): reads the changes committed since the replication
 * slot's confirmed position (core/change-capture.ts), writes them to the raw
 * zone as one run like any other (parts, ledger record, manifest), and only
 * then confirms the position. A crash anywhere before the confirmation makes
 * the next extract read the same changes again; they become the same rows
 * (every value below is derived from the log alone), so downstream, which
 * keeps one row per `(key, last_updated)`, holds them once.
 *
 * Each raw row is the row's values plus `_op` (`insert|update|delete`),
 * `_lsn` (its transaction's commit LSN, zero-padded hex `XXXXXXXX/XXXXXXXX`,
 * so text order is log order) and `_commit_time` (UTC, ISO with
 * milliseconds). A delete carries the row's last values (the tables have
 * REPLICA IDENTITY FULL after `lakehouse cdc setup`).
 *
 * The version of a row (`last_updated`, by which the lake orders a key's
 * versions) is the source's own when the change moved it forward; a delete,
 * or an update that left `last_updated` unchanged (or moved it back), gets
 * its commit time instead, at least one millisecond after the version it
 * replaces, the same rule as reconcile (jobs/reconcile/reconcile.ts). An
 * insert keeps its own `last_updated` unless that is older than its commit
 * by more than the lookback (`LAKEHOUSE_LOOKBACK`): a row inserted again with
 * old values (after a delete, whose version is a later commit time) must
 * outrank the delete, so it takes its commit time too. Within one run the
 * versions of a key strictly increase in log order.
 */
import type { CapturedChange, ChangeCapture } from '../lib/core/change-capture';
import { TerminalError } from '../lib/core/errors';
import { lineReject, writeLineRejects, type LineReject } from '../lib/core/line-rejects';
import type { Logger } from '../lib/core/logger';
import type { Catalog, Clock, ObjectStore, RawRow, RunLedger, SourceColumn } from '../lib/core/ports';
import { RAW_MAX_ROW_BYTES, RawPartWriter } from '../lib/core/raw-part-writer';
import { publishRun } from '../lib/core/publish-run';
import { claimRunId, discardRun } from '../lib/core/run-lifecycle';
import { tableFilter } from '../lib/core/table-globs';
import { RAW_OP_COLUMN } from '../lib/definition/tables';
import type { ExtractResult } from './extract';

/** Raw fields of a captured row besides `_op`: its commit LSN and commit time. */
export const RAW_LSN_COLUMN = '_lsn';
export const RAW_COMMIT_TIME_COLUMN = '_commit_time';

/** Changes read per run at most (whole transactions; the rest waits for the next extract). */
export const DEFAULT_CHANGE_LIMIT = 200_000;

export interface ChangeExtractInput {
  /** Table globs to capture (picomatch); changes of other tables are read and left out. */
  include: string[];
  exclude: string[];
  /** Changes per run at most, default {@link DEFAULT_CHANGE_LIMIT}. */
  limit?: number;
  /** Rows per part file, default 100,000. */
  partRows?: number;
  /** The lookback in milliseconds: an insert whose `last_updated` is older than its commit by more is versioned by its commit (module comment). */
  lookbackMs: number;
}

export interface ChangeExtractDeps {
  capture: ChangeCapture;
  /** The source's columns of a table (for the manifest's schema). */
  describe: (table: string) => Promise<SourceColumn[]>;
  /** The source's tables (SourceDb.listTables), matched against include and exclude for the result's `matched`. */
  listTables: () => Promise<string[]>;
  raw: ObjectStore;
  catalog?: Catalog;
  ledger: RunLedger;
  clock: Clock;
  logger: Logger;
}

export interface ChangeExtractResult extends ExtractResult {
  /** The position confirmed after the run was written (null: nothing read). */
  confirmedLsn: string | null;
  /** Changes read, of every captured table (before include/exclude). */
  changes: number;
  /** True when the read stopped at its limit: more changes wait for the next extract. */
  more: boolean;
  /** Tables truncated in the read: not captured (a truncate carries no rows); reconcile brings them in line. */
  truncated: string[];
}

const STEP = 'extract';

/** Milliseconds of a zone-less ISO timestamp read as UTC (only order and differences matter). */
const msOf = (iso: string) => Date.parse(`${iso.length === 10 ? `${iso}T00:00:00` : iso}Z`);
const isoOf = (ms: number) => new Date(ms).toISOString().slice(0, 23);

/**
 * The version a change gets (module comment), zone-less ISO with milliseconds.
 * @param previous  the key's version earlier in this run, if any
 * @param staleMs   how much older than its commit an insert's own `last_updated` may be and still be its version
 */
export function changeVersion(change: CapturedChange, previous: string | undefined, staleMs: number): string {
  const stamp = typeof change.row.last_updated === 'string' ? change.row.last_updated : null;
  const before = change.old && typeof change.old.last_updated === 'string' ? change.old.last_updated : null;
  const stale = change.op === 'insert' && stamp !== null && msOf(change.commitTime) - msOf(stamp) > staleMs;
  const moved = change.op !== 'delete' && !stale && stamp !== null && (before === null || msOf(stamp) > msOf(before));
  let ms: number;
  if (moved) ms = msOf(stamp);
  else {
    const replaced = before ?? stamp;
    ms = replaced === null ? msOf(change.commitTime) : Math.max(msOf(change.commitTime), msOf(replaced) + 1);
  }
  if (previous !== undefined && ms <= msOf(previous)) ms = msOf(previous) + 1;
  return isoOf(ms);
}

/**
 * Reads the committed changes and writes them as one run (module comment).
 *
 * @returns the run (null when no captured table changed), rows per table,
 *   the confirmed position, and whether more changes wait
 * @throws TerminalError for a bad limit or a change without its key;
 *   capture, storage and ledger errors as their adapters throw them. Before
 *   the run is recorded a failure discards it (`discardRun`); a failed
 *   manifest write marks it failed; in both cases nothing is confirmed.
 */
export async function changeExtract(input: ChangeExtractInput, deps: ChangeExtractDeps): Promise<ChangeExtractResult> {
  const { capture, raw, clock, logger } = deps;
  const limit = input.limit ?? DEFAULT_CHANGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw new TerminalError(`limit must be a positive integer: ${limit}`);
  const partRows = input.partRows ?? 100_000;
  const captured = tableFilter(input.include, input.exclude);

  const available = await deps.listTables();
  const tables = available.filter(captured);
  if (tables.length === 0) {
    logger.warn('no source table matched', {
      step: STEP,
      available: available.length,
      include: input.include,
      exclude: input.exclude,
    });
    return {
      runId: null,
      matched: [],
      available: available.length,
      tables: {},
      confirmedLsn: null,
      changes: 0,
      more: false,
      truncated: [],
    };
  }
  const batch = await capture.read(limit);
  const base = { changes: batch.changes.length, more: batch.more, truncated: batch.truncated };
  for (const table of batch.truncated) {
    logger.error('truncate not captured', {
      step: STEP,
      table,
      error: `${table} was truncated in the source: a truncate carries no rows, so its rows stay live in the lake; run \`lakehouse reconcile\` to mark them deleted`,
    });
  }
  const byTable = new Map<string, CapturedChange[]>();
  for (const change of batch.changes) {
    if (!captured(change.table)) continue;
    const list = byTable.get(change.table) ?? [];
    list.push(change);
    byTable.set(change.table, list);
  }
  const changed = [...byTable.keys()].sort();
  const matched = tables;
  if (changed.length === 0) {
    // Nothing to write (no change, or only tables not included): moving the position loses nothing.
    if (batch.endLsn) await capture.confirm(batch.endLsn);
    logger.info('no captured changes: no run', { step: STEP, runId: null, changes: batch.changes.length, lsn: batch.endLsn });
    return { runId: null, matched, available: available.length, tables: {}, confirmedLsn: batch.endLsn, ...base };
  }

  const runId = await claimRunId(deps);
  logger.info('change extract started', {
    step: STEP,
    runId,
    tables: changed,
    changes: batch.changes.length,
    upTo: batch.endLsn,
  });
  const written = new Map<string, { files: string[]; rows: number; schema: SourceColumn[] }>();
  let recorded = false;
  try {
    for (const table of changed) {
      const schema = await deps.describe(table);
      const key = schema.filter((c) => c.primaryKey).map((c) => c.name);
      if (key.length === 0)
        throw new TerminalError(`${table}: the source reports no primary key, so its changes cannot be keyed`);
      const versions = new Map<string, string>();
      const oversize: LineReject[] = [];
      const writer = new RawPartWriter(raw, table, runId, partRows);
      try {
        const rows: RawRow[] = [];
        let n = 0;
        for (const change of byTable.get(table)!) {
          n++;
          const keyText = JSON.stringify(key.map((k) => change.row[k]));
          if (key.some((k) => change.row[k] === null || change.row[k] === undefined)) {
            throw new TerminalError(`${table}: a ${change.op} at ${change.lsn} carries no key (${key.join(', ')})`);
          }
          const version = changeVersion(change, versions.get(keyText), input.lookbackMs);
          versions.set(keyText, version);
          const row: RawRow = {
            ...change.row,
            last_updated: version,
            [RAW_OP_COLUMN]: change.op,
            [RAW_LSN_COLUMN]: change.lsn,
            [RAW_COMMIT_TIME_COLUMN]: change.commitTime,
          };
          const line = JSON.stringify(row);
          if (Buffer.byteLength(line) > RAW_MAX_ROW_BYTES) {
            const reason = `${change.op} of key ${keyText} at ${change.lsn} is ${Buffer.byteLength(line)} bytes, over the raw row limit of ${RAW_MAX_ROW_BYTES}`;
            oversize.push(lineReject(n, reason, line.slice(0, 256 * 1024)));
            continue;
          }
          rows.push(row);
        }
        await writer.write(rows);
      } finally {
        await writer.close();
      }
      if (oversize.length) {
        const rejectsKey = await writeLineRejects(raw, { runId, table, stage: 'extract', file: `source:${table}` }, oversize);
        logger.error('source rows rejected', {
          step: STEP,
          runId,
          table,
          rejected: oversize.length,
          rejectsKey,
          error: `${table}: ${oversize.length} change(s) over the raw row limit of ${RAW_MAX_ROW_BYTES} bytes, kept in ${rejectsKey}`,
        });
      }
      if (writer.rows > 0) written.set(table, { files: writer.files, rows: writer.rows, schema });
    }
    if (written.size === 0) {
      await discardRun(deps, STEP, runId, changed);
      if (batch.endLsn) await capture.confirm(batch.endLsn); // every change went to rejects, which are written
      return { runId: null, matched, available: available.length, tables: {}, confirmedLsn: batch.endLsn, ...base };
    }

    const { manifestKey, counts } = await publishRun(
      deps,
      STEP,
      runId,
      { origin: 'extract', at: clock.now().toISOString(), tables: Object.fromEntries(written) },
      () => (recorded = true),
    );
    // Only now: the run and its manifest are safe, so the source may forget these changes.
    await capture.confirm(batch.endLsn!);
    logger.info('change position confirmed', { step: STEP, runId, lsn: batch.endLsn, more: batch.more });
    return {
      runId,
      matched,
      available: available.length,
      tables: counts,
      manifestKey,
      confirmedLsn: batch.endLsn,
      ...base,
    };
  } catch (error) {
    if (!recorded) await discardRun(deps, STEP, runId, changed);
    throw error;
  }
}
