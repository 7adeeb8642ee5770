/**
 * The life of a run in the ledger, in one place (docs/architecture.md "Run id", §4):
 *
 *   claim an id ─▶ write the run's parts ─▶ record it (stage `extracted`) ─▶ write the manifest
 *        │                 │ failure: discard (parts removed, claim released, nothing recorded)
 *        │                 └───────────────────────────────────────────────┐
 *   advance: extracted → cleaned → transformed → loaded                    │
 *   mark failed (step, at, error): the run stays at its stage until ──▶ clear failure (retry)
 *
 * Extract and ingest make runs the same way ({@link claimRunId},
 * {@link recordRun}, {@link discardRun}, {@link markRunFailed}); transform and
 * load move them on ({@link advanceRun}) or mark them failed; the sweep and
 * `lakehouse retry` read them through {@link pendingRuns} and
 * {@link failedRuns}, which go through the ledger's open-runs index, so no
 * step reads every run ever written.
 */
import { ConflictError, errorMessage, NotFoundError, TransientError } from './errors';
import type { Logger } from './logger';
import type { Clock, ObjectStore, RunLedger, RunRecord } from './ports';
import { runIdAttempt, runStamp } from './run-id';
import { keys } from '../definition/object-keys';
import type { RunStage } from '../definition/run-stages';

/** What the lifecycle needs: the ledger, a clock (UTC), a logger. */
export interface LifecycleDeps {
  ledger: RunLedger;
  clock: Clock;
  logger: Logger;
}

/** Ids tried for one second before giving up: `stamp`, `stamp_2` … `stamp_<n>`. */
export const MAX_CLAIM_ATTEMPTS = 50;

/**
 * Claims a new run id for the current second (docs/architecture.md "Data contracts"): tries the stamp
 * of `clock.now()` (`20250225t132609z`), and on each ConflictError (another
 * run, loaded or not, or another claim holds it) the next suffix `_2`, `_3`…,
 * through the ledger's conditional claim ({@link RunLedger.reserveRun}) — no
 * listing of runs. Call it before writing anything under the id; a claimed id
 * must end in {@link recordRun} or {@link discardRun}.
 *
 * @param maxAttempts ids tried (default {@link MAX_CLAIM_ATTEMPTS})
 * @returns the claimed id
 * @throws TransientError when all `maxAttempts` ids of the second are taken
 *   (a later second has free ids); ledger errors as the adapter throws them
 */
export async function claimRunId(
  deps: Pick<LifecycleDeps, 'ledger' | 'clock'>,
  maxAttempts = MAX_CLAIM_ATTEMPTS,
): Promise<string> {
  const stamp = runStamp(deps.clock.now());
  let last: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const runId = runIdAttempt(stamp, attempt);
    try {
      await deps.ledger.reserveRun(runId);
      return runId;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      last = error;
    }
  }
  throw new TransientError(`no free run id for ${stamp}: ${maxAttempts} ids of that second are taken`, { cause: last });
}

/** What a new run records: how it was made, rows per table, and (extract) the watermark range per table. */
export interface NewRun {
  origin: RunRecord['origin'];
  /** Rows written per source table. */
  counts: Record<string, number>;
  /** Watermark range per table (extract only): `from` null on a first extract; ISO source-local text. */
  watermarks?: RunRecord['watermarks'];
  /** When the run was made (ISO UTC), e.g. the manifest's `createdAt`; default the clock's now. */
  at?: string;
}

/**
 * Records a claimed run at stage `extracted` (created = updated =
 * `run.at`, default the clock's now, ISO UTC). Call after its parts are written and before its
 * manifest (the manifest starts the chain, so the run must exist by then).
 *
 * @returns the record written
 * @throws ConflictError when a record with that id exists (the claim was
 *   not honoured); ledger errors as the adapter throws them
 */
export async function recordRun(deps: Pick<LifecycleDeps, 'ledger' | 'clock'>, runId: string, run: NewRun): Promise<RunRecord> {
  const at = run.at ?? deps.clock.now().toISOString();
  const record: RunRecord = {
    runId,
    origin: run.origin,
    stage: 'extracted',
    createdAt: at,
    updatedAt: at,
    history: { extracted: at },
    counts: { extracted: run.counts },
    ...(run.watermarks ? { watermarks: run.watermarks } : {}),
  };
  await deps.ledger.createRun(record);
  return record;
}

/**
 * Undoes a run that failed before {@link recordRun}, the one failure
 * behaviour of extract and ingest: removes the run's part files
 * (`<table>/run_id=<run>/` in the raw zone, for each of `tables`) unless
 * `keepParts`, then releases the claimed id, so nothing of the run remains
 * and the id may be used again. Best effort: a removal or release that fails
 * is logged as a warning (with `step` and the run id) and never thrown, so the
 * caller rethrows its original error. An abandoned claim left behind expires
 * from the ledger's index on its own (see the adapters).
 *
 * @param keepParts true when the folder may hold another run's parts (the record existed already)
 */
export async function discardRun(
  deps: { ledger: RunLedger; raw: ObjectStore; logger: Logger },
  step: string,
  runId: string,
  tables: string[],
  keepParts = false,
): Promise<void> {
  if (!keepParts) {
    for (const table of tables) {
      try {
        for (const part of await deps.raw.list(keys.runFolder(table, runId))) await deps.raw.delete(part.key);
      } catch (error) {
        deps.logger.warn('could not remove the part files of a failed run', { step, runId, table, error: errorMessage(error) });
      }
    }
  }
  try {
    await deps.ledger.releaseRun(runId);
  } catch (error) {
    deps.logger.warn('could not release the run id of a failed run', { step, runId, error: errorMessage(error) });
  }
}

/**
 * Records that `step` failed for a run: `failed = { step, at, error }` (at =
 * the clock's now, ISO UTC; error = the message). The run stays at its stage,
 * out of {@link RunLedger.runsAt} and the sweep, until {@link clearFailure}.
 * Used for terminal failures after the run was recorded (extract, ingest:
 * the manifest write; transform, load: a model or load that cannot succeed).
 * Best effort: a ledger failure is logged as a warning and never thrown, so
 * the caller rethrows the step's own error.
 *
 * @returns true when the mark was written
 */
export async function markRunFailed(deps: LifecycleDeps, runId: string, step: string, error: unknown): Promise<boolean> {
  const at = deps.clock.now().toISOString();
  try {
    await deps.ledger.updateRun(runId, (run) => ({ ...run, failed: { step, at, error: errorMessage(error) }, updatedAt: at }));
    return true;
  } catch (cause) {
    deps.logger.warn('could not mark the run failed', { step, runId, error: errorMessage(cause) });
    return false;
  }
}

/** What a step records when it moves a run on. */
export interface Advance {
  /** Rows per table at the new stage; when absent the run's counts are left as they were. */
  counts?: Record<string, number>;
  /** Rejected rows per table (the cleaned stage). */
  rejects?: Record<string, number>;
}

/**
 * Moves a run to `stage`: `history[stage]` and `updatedAt` = the clock's now
 * (ISO UTC), `counts[stage]` and `rejects` when given, and any failure mark
 * dropped (the step just succeeded). A run reaching `loaded` leaves the
 * ledger's open-runs index.
 *
 * @returns the record written
 * @throws NotFoundError when the run does not exist; ConflictError when the
 *   ledger lost too many update races; other ledger errors as thrown
 */
export async function advanceRun(
  deps: Pick<LifecycleDeps, 'ledger' | 'clock'>,
  runId: string,
  stage: RunStage,
  advance: Advance = {},
): Promise<RunRecord> {
  const at = deps.clock.now().toISOString();
  return deps.ledger.updateRun(runId, (run) => {
    const { failed: _failed, ...rest } = run;
    return {
      ...rest,
      stage,
      updatedAt: at,
      history: { ...run.history, [stage]: at },
      counts: advance.counts ? { ...run.counts, [stage]: advance.counts } : run.counts,
      ...(advance.rejects ? { rejects: advance.rejects } : {}),
    };
  });
}

/** The outcome of {@link clearFailure}. */
export interface ClearedFailure {
  runId: string;
  /** True when the run was failed and its mark is now gone; false when it was not failed (nothing written). */
  cleared: boolean;
  /** The stage the run is at (where the chain picks it up again). */
  stage: RunStage;
  /** The failure that was cleared. */
  failed?: NonNullable<RunRecord['failed']>;
}

/**
 * Clears a run's failure mark so the chain picks it up at its stage again
 * (`lakehouse retry`; on AWS the next scheduled sweep re-announces it, since
 * `updatedAt` is set to the clock's now only when something was cleared and
 * the sweep nudges runs idle for longer than its threshold — a local pass
 * sweeps with no threshold). A run that is not failed is left untouched and
 * reported with `cleared: false`.
 *
 * @throws NotFoundError (terminal) when the run does not exist; ledger errors as thrown
 */
export async function clearFailure(deps: Pick<LifecycleDeps, 'ledger' | 'clock'>, runId: string): Promise<ClearedFailure> {
  const current = await deps.ledger.getRun(runId);
  if (!current) throw new NotFoundError(`no run ${runId} in the ledger`);
  if (!current.failed) return { runId, cleared: false, stage: current.stage };
  const at = deps.clock.now().toISOString();
  let failed: RunRecord['failed'];
  const next = await deps.ledger.updateRun(runId, (run) => {
    failed = run.failed;
    if (!run.failed) return run;
    const { failed: _failed, ...rest } = run;
    return { ...rest, updatedAt: at };
  });
  return { runId, cleared: failed !== undefined, stage: next.stage, ...(failed ? { failed } : {}) };
}

/** Runs marked failed, oldest first (open runs only: a loaded run is never failed). */
export async function failedRuns(ledger: RunLedger): Promise<RunRecord[]> {
  return (await ledger.openRuns()).filter((r) => r.failed);
}

/** Runs not loaded and not failed, oldest first: what the sweep looks at. */
export async function pendingRuns(ledger: RunLedger): Promise<RunRecord[]> {
  return (await ledger.openRuns()).filter((r) => !r.failed);
}

/** Runs waiting at `stage` (not failed), oldest first: what the step after `stage` works on. */
export async function waitingRuns(ledger: RunLedger, stage: RunStage): Promise<RunRecord[]> {
  return ledger.runsAt(stage);
}
