/**
 * The ingest job: turns a file a user dropped under `landing/<table>/` in the
 * raw zone into a run, exactly like an extract (DESIGN.md §3): part files under
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
import { TerminalError, errorMessage } from '../lib/core/errors';
import type { Logger } from '../lib/core/logger';
import { manifestSchema, type Manifest } from '../lib/core/manifest';
import { keys, LANDING_PREFIX, PROCESSED_LANDING_PREFIX, QUARANTINE_PREFIX } from '../lib/definition/object-keys';
import type { Clock, ObjectStore, RawRow, RunLedger } from '../lib/core/ports';
import { RawPartWriter } from '../lib/core/raw-part-writer';
import { newRunId } from '../lib/core/run-id';
import { parseLandedFile } from './landed-file';

export interface IngestInput {
  /** Raw-zone key of the landed file: `landing/<table>/<file>`. */
  key: string;
}

export interface IngestDeps {
  raw: ObjectStore;
  ledger: RunLedger;
  clock: Clock;
  logger: Logger;
}

export type IngestResult =
  | { status: 'ingested'; runId: string; table: string; rows: number; manifestKey: string }
  | { status: 'quarantined'; key: string; reason: string }
  | { status: 'ignored'; key: string; reason: string };

const LANDED = /^landing\/([a-z][a-z0-9_]*)\/([^/]+)$/;

/**
 * Ingests one landed file. Returns what happened; throws only on storage or
 * ledger failures (transient or terminal as they come), never on bad input.
 */
export async function ingest(input: IngestInput, deps: IngestDeps): Promise<IngestResult> {
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
  const taken = new Set((await deps.ledger.listRuns()).map((r) => r.runId));
  const runId = newRunId(now, taken);
  const writer = new RawPartWriter(deps.raw, table, runId);
  await writer.write(rows);
  const files = await writer.close();

  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const manifest: Manifest = manifestSchema.parse({
    runId,
    origin: 'ingest',
    createdAt: now.toISOString(),
    tables: {
      [table]: {
        files,
        rows: rows.length,
        schema: columns.map((c) => ({ name: c, dataType: 'text', nullable: true })),
      },
    },
  });
  const at = now.toISOString();
  await deps.ledger.createRun({
    runId,
    origin: 'ingest',
    stage: 'extracted',
    createdAt: at,
    updatedAt: at,
    history: { extracted: at },
    counts: { extracted: { [table]: rows.length } },
  });
  const manifestKey = keys.manifest(runId);
  await deps.raw.put(manifestKey, JSON.stringify(manifest, null, 2));
  await moveObject(deps.raw, input.key, `${PROCESSED_LANDING_PREFIX}${input.key}`, body);
  deps.logger.info('landed file ingested', { step: 'ingest', runId, table, rows: rows.length, key: input.key });
  return { status: 'ingested', runId, table, rows: rows.length, manifestKey };
}

async function moveObject(store: ObjectStore, from: string, to: string, body: Buffer): Promise<void> {
  await store.put(to, body);
  await store.delete(from);
}
