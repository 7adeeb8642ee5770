/**
 * The ingest job: turns a file a user dropped under `landing/<table>/` in the
 * raw zone into a run, exactly like an extract (docs/architecture.md "Data contracts"): part files under
 * `<table>/run_id=<run>/`, a ledger record, then the manifest that starts the
 * chain. Accepted formats (landed-file.ts): JSON Lines (`.jsonl`, `.ndjson`),
 * a JSON array of objects (`.json`), CSV with a header row (`.csv`), each
 * optionally gzipped, and Parquet (`.parquet`).
 *
 * A file that cannot be read is moved to `_quarantine/<original key>` with a
 * `.error.txt` beside it, logged at error level (so scan-logs alerts), and
 * nothing else happens: no run, no data lost. An ingested file is moved to
 * `_processed/<original key>` (expired later by the zone's lifecycle rule).
 */
import { ConflictError, TerminalError, errorMessage } from '../lib/core/errors';
import type { Logger } from '../lib/core/logger';
import { manifestSchema, type Manifest } from '../lib/core/manifest';
import { keys, LANDING_PREFIX, PROCESSED_LANDING_PREFIX, QUARANTINE_PREFIX } from '../lib/definition/object-keys';
import type { Catalog, Clock, ObjectStore, RawRow, RunLedger } from '../lib/core/ports';
import { RawPartWriter } from '../lib/core/raw-part-writer';
import { registerRawPartitions } from '../lib/core/raw-partitions';
import { claimRunId, discardRun, markRunFailed, recordRun } from '../lib/core/run-lifecycle';
import { parseLandedFile } from './landed-file';

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
}

export type IngestResult =
  | { status: 'ingested'; runId: string; table: string; rows: number; manifestKey: string }
  | { status: 'quarantined'; key: string; reason: string }
  | { status: 'ignored'; key: string; reason: string };

const STEP = 'ingest';
const LANDED = /^landing\/([a-z][a-z0-9_]*)\/([^/]+)$/;

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
  const input = { key: await landedKey(request.key, deps.raw) };
  const m = LANDED.exec(input.key);
  if (!m || !input.key.startsWith(LANDING_PREFIX)) {
    deps.logger.warn('landed file ignored', { step: 'ingest', key: input.key });
    return { status: 'ignored', key: input.key, reason: 'not of the form landing/<table>/<file>' };
  }
  const [, table, name] = m;
  if (!(await deps.raw.exists(input.key))) {
    return { status: 'ignored', key: input.key, reason: 'already ingested or removed' };
  }
  const body = await deps.raw.get(input.key);

  let rows: RawRow[];
  try {
    rows = await parseLandedFile(name, body);
    if (rows.length === 0) throw new TerminalError('the file holds no rows');
  } catch (error) {
    const reason = errorMessage(error);
    await moveObject(deps.raw, input.key, `${QUARANTINE_PREFIX}${input.key}`, body);
    await deps.raw.put(`${QUARANTINE_PREFIX}${input.key}.error.txt`, `${reason}\n`);
    deps.logger.error('landed file quarantined', { step: 'ingest', key: input.key, error: `${input.key}: ${reason}` });
    return { status: 'quarantined', key: input.key, reason };
  }

  const now = deps.clock.now();
  const at = now.toISOString();
  const runId = await claimRunId(deps);
  let manifest: Manifest;
  try {
    const writer = new RawPartWriter(deps.raw, table, runId);
    await writer.write(rows);
    const files = await writer.close();
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    manifest = manifestSchema.parse({
      runId,
      origin: 'ingest',
      createdAt: at,
      tables: {
        [table]: {
          files,
          rows: rows.length,
          schema: columns.map((c) => ({ name: c, dataType: 'text', nullable: true })),
        },
      },
    });
    await recordRun(deps, runId, { origin: 'ingest', counts: { [table]: rows.length }, at });
  } catch (error) {
    // Before the record: nothing of the run may remain (run-lifecycle.ts discardRun), as in extract.
    await discardRun(deps, STEP, runId, [table], error instanceof ConflictError);
    throw error;
  }
  const manifestKey = keys.manifest(runId);
  try {
    await deps.raw.put(manifestKey, JSON.stringify(manifest, null, 2));
  } catch (error) {
    await markRunFailed(deps, runId, STEP, error);
    deps.logger.error('manifest write failed', { step: STEP, runId, error: errorMessage(error) });
    throw error;
  }
  await registerRawPartitions(deps, STEP, runId, [table]);
  await moveObject(deps.raw, input.key, `${PROCESSED_LANDING_PREFIX}${input.key}`, body);
  deps.logger.info('landed file ingested', { step: 'ingest', runId, table, rows: rows.length, key: input.key });
  return { status: 'ingested', runId, table, rows: rows.length, manifestKey };
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
