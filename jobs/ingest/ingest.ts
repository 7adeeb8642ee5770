/**
 * The ingest job: turns a file a user dropped under `landing/<table>/` in the
 * raw zone into a run, exactly like an extract (docs/architecture.md "Landing"): part files under
 * `<table>/run_id=<run>/`, a ledger record, then the manifest that starts the
 * chain. Accepted formats (landed-file.ts): JSON Lines (`.jsonl`, `.ndjson`),
 * a JSON array of objects (`.json`), CSV with a header row (`.csv`), each
 * optionally gzipped, and Parquet (`.parquet`). Files in subfolders of a
 * table's folder (`landing/<table>/2024/05/x.jsonl`, as upstream systems write
 * date folders) are that table's files too.
 *
 * Bad lines (LAKEHOUSE_LANDING_ON_ERROR=continue, the default): each goes to
 * `_rejects/<table>/run_id=<run>/ingest-00000.jsonl` with the file, line,
 * reason and original text, logged at error level (so scan-logs alerts), and
 * the good rows become the run. Zoned ISO timestamps in the table's timestamp
 * columns are converted to UTC wall time (zoned-timestamps.ts).
 *
 * A file that cannot be read, whose every line is bad, that is not in a
 * source table's folder, or (LAKEHOUSE_LANDING_ON_ERROR=quarantine_file) that
 * has any bad line, is moved to `_quarantine/<original key>` with a
 * `.error.txt` beside it, logged at error level once (it is gone from
 * `landing/` afterwards), and nothing else happens: no run, no data lost. An
 * ingested file is moved to `_processed/<original key>` (expired later by the
 * zone's lifecycle rule).
 */
import { ConflictError, errorMessage } from '../lib/core/errors';
import { writeLineRejects, type LineReject } from '../lib/core/line-rejects';
import type { Logger } from '../lib/core/logger';
import { keys, LANDING_PREFIX, PROCESSED_LANDING_PREFIX, QUARANTINE_PREFIX } from '../lib/definition/object-keys';
import type { Catalog, Clock, ObjectStore, RawRow, RunLedger } from '../lib/core/ports';
import { RawPartWriter } from '../lib/core/raw-part-writer';
import { publishRun } from '../lib/core/publish-run';
import { claimRunId, discardRun } from '../lib/core/run-lifecycle';
import { SOURCE_TABLES } from '../lib/definition/tables';
import type { IngestSettings } from './ingest-settings';
import { readLandedFile } from './landed-file';
import { toUtcWallTimes } from './zoned-timestamps';

export interface IngestInput {
  /** Raw-zone key of the landed file: `landing/<table>/<file>`. */
  key: string;
}

export interface IngestDeps {
  raw: ObjectStore;
  /** Where the run's raw partition is registered once the manifest is written (optional; best effort). */
  catalog?: Catalog;
  ledger: RunLedger;
  clock: Clock;
  logger: Logger;
  /** What to do with bad lines, and the text encoding (ingest-settings.ts); default continue, UTF-8. */
  settings?: IngestSettings;
}

/** How many reject reasons a result and a quarantine reason quote (the rest are counted). */
const QUOTED_REJECTS = 3;

export type IngestResult =
  | {
      status: 'ingested';
      runId: string;
      table: string;
      rows: number;
      manifestKey: string;
      /** The landed file's key. */
      key: string;
      /** Lines rejected (0 when none). */
      rejected: number;
      /** Where they were written (raw zone), when any. */
      rejectsKey?: string;
      /** The first few, as `line N: reason`. */
      rejectReasons?: string[];
    }
  | { status: 'quarantined'; key: string; reason: string; quarantineKey: string }
  | { status: 'ignored'; key: string; reason: string };

const STEP = 'ingest';
const KNOWN_TABLES = new Set(SOURCE_TABLES.map((t) => t.name));

/**
 * Why a landed key is not a file of a source table, or undefined when it is:
 * `landing/<table>/<file>` or `landing/<table>/<folders…>/<file>` with
 * `<table>` a source table of the contract (definition/tables.ts).
 */
function misplaced(key: string): string | undefined {
  const parts = key.slice(LANDING_PREFIX.length).split('/');
  if (parts.length < 2) return 'a file directly under landing/: put it in landing/<table>/, the folder of its source table';
  if (!KNOWN_TABLES.has(parts[0])) {
    return `landing folder ${JSON.stringify(parts[0])} is not a source table (folders are named after one: ${[...KNOWN_TABLES].join(', ')})`;
  }
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return 'the key has an empty, "." or ".." segment';
  return undefined;
}

/**
 * Ingests one landed file. Returns what happened; throws only on storage or
 * ledger failures (transient or terminal as they come), never on bad input.
 *
 * The run goes through the same lifecycle as an extract's (run-lifecycle.ts):
 * the id is claimed (stamp, `_2`, … on a clash; no listing), parts written,
 * the run recorded, then the manifest written. A failure before the record
 * discards the run (part files removed, id released) and rethrows; a failed
 * manifest write marks the run failed (step `ingest`) and rethrows. Either
 * way the landed file stays under `landing/`, so a retry ingests it again.
 */
export async function ingest(request: IngestInput, deps: IngestDeps): Promise<IngestResult> {
  const key = await landedKey(request.key, deps.raw);
  if (!key.startsWith(LANDING_PREFIX) || key.endsWith('/')) {
    deps.logger.warn('landed file ignored', { step: STEP, key });
    return { status: 'ignored', key, reason: 'not of the form landing/<table>/<file>' };
  }
  if (!(await deps.raw.exists(key))) {
    return { status: 'ignored', key, reason: 'already ingested or removed' };
  }
  const body = await deps.raw.get(key);
  const wrongPlace = misplaced(key);
  if (wrongPlace) return quarantine(deps, key, body, wrongPlace);
  const table = key.slice(LANDING_PREFIX.length).split('/')[0];
  const name = key.slice(key.lastIndexOf('/') + 1);
  const settings = deps.settings ?? { onError: 'continue', encoding: 'utf-8' };

  let rows: RawRow[];
  let rejects: LineReject[];
  try {
    ({ rows, rejects } = await readLandedFile(name, body, { encoding: settings.encoding }));
  } catch (error) {
    return quarantine(deps, key, body, errorMessage(error));
  }
  const listed = rejects.map((r) => `line ${r.line}: ${r.reason}`);
  if (rows.length === 0 && rejects.length === 0) return quarantine(deps, key, body, 'the file holds no rows');
  if (rows.length === 0) {
    return quarantine(deps, key, body, `every line was rejected (${rejects.length}): ${quoted(listed)}`, listed);
  }
  if (rejects.length && settings.onError === 'quarantine_file') {
    const reason = `${rejects.length} bad line${rejects.length === 1 ? '' : 's'} (LAKEHOUSE_LANDING_ON_ERROR=quarantine_file): ${quoted(listed)}`;
    return quarantine(deps, key, body, reason, listed);
  }
  toUtcWallTimes(table, rows);

  const now = deps.clock.now();
  const at = now.toISOString();
  const runId = await claimRunId(deps);
  let manifestKey: string;
  let rejectsKey: string | undefined;
  let recorded = false;
  try {
    const writer = new RawPartWriter(deps.raw, table, runId);
    await writer.write(rows);
    const files = await writer.close();
    rejectsKey = await writeLineRejects(deps.raw, { runId, table, stage: 'ingest', file: key }, rejects);
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    const schema = columns.map((c) => ({ name: c, dataType: 'text', nullable: true }));
    ({ manifestKey } = await publishRun(
      deps,
      STEP,
      runId,
      { origin: 'ingest', at, tables: { [table]: { files, rows: rows.length, schema } } },
      () => (recorded = true),
    ));
  } catch (error) {
    // Before the record: nothing of the run may remain (run-lifecycle.ts discardRun), as in extract.
    if (!recorded) {
      const keepParts = error instanceof ConflictError;
      await discardRun(deps, STEP, runId, [table], keepParts);
      if (!keepParts) await deps.raw.delete(keys.lineRejects(table, runId, 'ingest')).catch(() => undefined);
    }
    throw error;
  }
  await moveObject(deps.raw, key, `${PROCESSED_LANDING_PREFIX}${key}`, body);
  deps.logger.info('landed file ingested', { step: STEP, runId, table, rows: rows.length, rejected: rejects.length, key });
  if (rejectsKey) {
    // One error line per file: the pass's log scan sends one alert for it.
    deps.logger.error('landed lines rejected', {
      step: STEP,
      runId,
      table,
      key,
      rejected: rejects.length,
      rejectsKey,
      error: `${key}: ${rejects.length} line${rejects.length === 1 ? '' : 's'} rejected (${quoted(listed)}), kept in ${rejectsKey}`,
    });
  }
  return {
    status: 'ingested',
    runId,
    table,
    rows: rows.length,
    manifestKey,
    key,
    rejected: rejects.length,
    ...(rejectsKey ? { rejectsKey, rejectReasons: listed.slice(0, QUOTED_REJECTS) } : {}),
  };
}

/** The first few of `listed`, joined, with a count of the rest. */
function quoted(listed: string[]): string {
  const more = listed.length - QUOTED_REJECTS;
  return listed.slice(0, QUOTED_REJECTS).join('; ') + (more > 0 ? `; and ${more} more` : '');
}

/**
 * Moves a landed file to `_quarantine/<key>` with `<key>.error.txt` beside it
 * (the reason, then every rejected line's reason when there are any), and
 * logs it at error level.
 */
async function quarantine(
  deps: IngestDeps,
  key: string,
  body: Buffer,
  reason: string,
  listed: string[] = [],
): Promise<IngestResult> {
  const quarantineKey = `${QUARANTINE_PREFIX}${key}`;
  await deps.raw.put(`${quarantineKey}.error.txt`, [reason, ...listed].map((l) => `${l}\n`).join(''));
  await moveObject(deps.raw, key, quarantineKey, body);
  deps.logger.error('landed file quarantined', { step: STEP, key, quarantineKey, error: `${key}: ${reason}` });
  return { status: 'quarantined', key, reason, quarantineKey };
}

/**
 * The key of the landed object an event names. S3 event notifications carry
 * object keys URL-encoded (spaces as `+`, other characters as `%XX`: Amazon S3
 * user guide, "Event message structure"), and a key relayed through other
 * paths may arrive encoded too; a literal key may itself contain `%` or `+`.
 * So the key is taken as given when that object exists, else its decoded form
 * when that one exists, else as given (the caller then reports it gone).
 */
async function landedKey(key: string, raw: ObjectStore): Promise<string> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key; // not valid percent-encoding: it can only be literal
  }
  const exists = (k: string) => raw.exists(k).catch(() => false); // a key the store refuses is not there
  if (decoded === key || (await exists(key))) return key;
  return (await exists(decoded)) ? decoded : key;
}

async function moveObject(store: ObjectStore, from: string, to: string, body: Buffer): Promise<void> {
  await store.put(to, body);
  await store.delete(from);
}
