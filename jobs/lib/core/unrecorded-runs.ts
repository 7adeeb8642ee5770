/**
 * Parts of runs the ledger never recorded (docs/architecture.md "Crash
 * recovery"), one rule for both runtimes. An extract or ingest killed between
 * claiming its run id and recording the run (run-lifecycle.ts: claim → parts
 * → record → manifest) leaves `<table>/run_id=<run>/` folders in the raw zone
 * that no step will ever read, but that a raw catalog built by listing (the
 * Glue raw crawler) counts. A folder is such a leftover, and is removed, when
 * all of these hold:
 *
 * - its run has no manifest (`_manifests/<run>.json`, written after the record);
 * - it was last written before `writtenBefore`, and the run's claim, if the
 *   ledger still holds one, was made before it too: the writer is gone.
 *   Locally that instant is when the current process started (one home is
 *   used by one process at a time); on AWS it is now minus
 *   {@link UNRECORDED_RUN_SAFE_AGE_MS}, longer than any Lambda runs;
 * - the ledger has no record of the run: a recorded run (open, failed or
 *   loaded) is never touched, even without its manifest (a run whose manifest
 *   write failed waits for `lakehouse retry`).
 *
 * Used by the local pass (adapters/fs/leftovers.ts) and by the deployed sweep
 * (jobs/sweep/sweep.ts).
 */
import type { RawRunFolder, RawRunFolders, RunClaims, RunLedger } from './ports';
import { isRunId, runStamp } from './run-id';

/**
 * How old a raw run folder and its claim must be before the deployed sweep
 * takes them for a killed writer's: one hour. A Lambda runs at most 15
 * minutes (Lambda developer guide, "Configure Lambda function timeout"), and
 * one hour is also the S3 ledger's claim timeout (s3-run-ledger.ts), after
 * which the ledger itself drops a claim with no record as abandoned.
 */
export const UNRECORDED_RUN_SAFE_AGE_MS = 60 * 60_000;

/**
 * How far back, by run id, the deployed sweep looks for such folders: seven
 * days. The raw zone keeps every run, so listing all of it on every sweep
 * would cost in proportion to its whole history; the sweep runs every few
 * minutes, so a leftover is found soon after it passes the safe age, and a
 * week covers a sweep that was down for days. Older leftovers are removed by
 * hand (docs/architecture.md "Crash recovery").
 */
export const UNRECORDED_RUN_LOOKBACK_MS = 7 * 24 * 60 * 60_000;

/** When a run folder counts as abandoned, and how far back to look. */
export interface UnrecordedRunsInput {
  /** Folders last written, and claims made, at or after this instant (UTC) are a live writer's and kept. */
  writtenBefore: Date;
  /** Only runs whose id (a UTC stamp) is at or after this instant are looked at; default every run. */
  since?: Date;
}

/** The raw zone's run folders and what the ledger holds. */
export interface UnrecordedRunsDeps {
  folders: RawRunFolders;
  ledger: Pick<RunLedger, 'getRun'> & RunClaims;
}

/** One folder removed. */
export interface UnrecordedRunFolder {
  runId: string;
  table: string;
  /** `<table>/run_id=<run>/`. */
  folder: string;
  /** Objects (files) removed from it. */
  objects: number;
}

/**
 * The raw run folders that are leftovers by the rule of the module comment,
 * in key order, without removing anything. Folders whose `run_id=` value is
 * not a run id are not the pipeline's and are never chosen.
 *
 * @throws what the folders port or the ledger throws (listing, reading a record)
 */
export async function findUnrecordedRuns(input: UnrecordedRunsInput, deps: UnrecordedRunsDeps): Promise<RawRunFolder[]> {
  const since = input.since ? runStamp(input.since) : undefined;
  const cutoff = input.writtenBefore.getTime();
  const folders = await deps.folders.list(since);
  if (!folders.length) return [];
  const manifests = await deps.folders.manifests(since);
  const candidates = folders.filter((f) => isRunId(f.runId) && !manifests.has(f.runId) && f.modified.getTime() < cutoff);
  if (!candidates.length) return [];
  const claims = await deps.ledger.claims();
  const recorded = new Map<string, boolean>();
  const out: RawRunFolder[] = [];
  for (const folder of candidates) {
    const claimed = claims.get(folder.runId);
    if (claimed && claimed.getTime() >= cutoff) continue; // a live claim: its writer may still record the run
    if (!recorded.has(folder.runId)) recorded.set(folder.runId, (await deps.ledger.getRun(folder.runId)) !== undefined);
    if (recorded.get(folder.runId)) continue;
    out.push(folder);
  }
  return out;
}

/**
 * Finds the leftovers ({@link findUnrecordedRuns}) and removes each folder.
 * Claims of those runs stay in the ledger: each adapter's readers drop a claim
 * with no record once it is older than the claim timeout, and the local pass
 * releases them itself.
 *
 * @returns the folders removed, in key order
 * @throws what the folders port or the ledger throws; folders removed before a failure stay removed
 */
export async function removeUnrecordedRuns(input: UnrecordedRunsInput, deps: UnrecordedRunsDeps): Promise<UnrecordedRunFolder[]> {
  const removed: UnrecordedRunFolder[] = [];
  for (const folder of await findUnrecordedRuns(input, deps)) {
    const objects = await deps.folders.remove(folder);
    removed.push({ runId: folder.runId, table: folder.table, folder: folder.folder, objects });
  }
  return removed;
}
