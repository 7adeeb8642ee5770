/**
 * The sweep job: re-emits the event a stuck run is waiting for (docs/architecture.md "Events").
 * AWS delivers S3, Glue and EventBridge events on a best-effort basis, and a
 * crawl requested while the crawler was busy may not cover a run's files; so
 * on a schedule the sweep looks for runs that have not moved for longer than
 * a threshold and nudges the step they wait for.
 *
 * In crawler mode every stage's next step starts with a crawl of the zone
 * the run was last written to, and a crawl's success starts the step after
 * it; in direct mode (definition/routes.ts) that zone being written starts
 * the next step itself (raw still through its crawl). Either way the event
 * re-emitted is `ZoneWritten { zone, runs }` for that zone (a custom event:
 * EventBridge does not let us publish `aws.s3` / `aws.glue` events ourselves).
 * In crawler mode:
 *
 *   extracted   → ZoneWritten { zone: 'raw' }          → crawl raw → transform cleaned
 *   cleaned     → ZoneWritten { zone: 'cleaned' }      → crawl cleaned → transform transformed
 *   transformed → ZoneWritten { zone: 'transformed' }  → crawl transformed → load
 *
 * Runs already loaded, or marked failed (they wait for a person), are left alone.
 * The sweep reads only open runs (the ledger's open-runs index), so its cost
 * follows the runs still waiting, not the ledger's history.
 *
 * On AWS, where nothing else runs on every tick, the sweep also does what
 * each local pass does around its steps (jobs/lib/runtimes/local/run-pass.ts),
 * with the same core functions:
 *
 * - source freshness (core/quality/source-freshness.ts): results to
 *   `quality.results`, an error-level line (an alert) when a table's state changes;
 * - parts of runs the ledger never recorded (core/unrecorded-runs.ts): raw
 *   `run_id=` folders with no manifest, no record and no live claim, older
 *   than the safe age, removed.
 *
 * Locally the pass does both itself, so the local sweep is given neither.
 */
import { errorMessage } from '../lib/core/errors';
import type { Logger } from '../lib/core/logger';
import type { RunStage } from '../lib/definition/run-stages';
import type { Zone } from '../lib/definition/zones';
import type { Clock, EventPublisher, RawRunFolders, RunClaims, RunLedger } from '../lib/core/ports';
import { checkSourceFreshness, type FreshnessCheck, type SourceFreshnessDeps } from '../lib/core/quality/source-freshness';
import { pendingRuns } from '../lib/core/run-lifecycle';
import { removeUnrecordedRuns, type UnrecordedRunFolder } from '../lib/core/unrecorded-runs';

/** How long a run may sit at a stage before it counts as stuck. */
export interface SweepInput {
  /** A run whose `updatedAt` is older than this many milliseconds counts as stuck. */
  thresholdMs: number;
}

/** The ledger to read, the publisher to re-emit through, the clock to measure against. */
export interface SweepDeps {
  ledger: RunLedger;
  events: EventPublisher;
  clock: Clock;
  logger: Logger;
  /** When given, source freshness is checked on every sweep (AWS): the engine, the transformed zone's store for results. */
  freshness?: Pick<SourceFreshnessDeps, 'engine' | 'results' | 'declarations'>;
  /** When given, parts of runs the ledger never recorded are removed on every sweep (AWS). */
  unrecorded?: {
    folders: RawRunFolders;
    /** The ledger's claims (its open-runs index markers). */
    claims: RunClaims;
    /** How old, in milliseconds, a folder and its claim must be (core/unrecorded-runs.ts UNRECORDED_RUN_SAFE_AGE_MS). */
    safeAgeMs: number;
    /** How far back by run id to look, in milliseconds; default every run (UNRECORDED_RUN_LOOKBACK_MS on AWS). */
    lookbackMs?: number;
  };
}

/** One re-emitted event. */
export interface SweepNudge {
  stage: Exclude<RunStage, 'loaded'>;
  zone: Zone;
  runs: string[];
}

/** What the sweep looked at and what it re-emitted. */
export interface SweepResult {
  /** Runs not loaded and not failed that were looked at. */
  pending: number;
  nudged: SweepNudge[];
  /** The freshness check, when `deps.freshness` was given and something was declared and checkable. */
  freshness?: FreshnessCheck;
  /** The raw run folders removed, when `deps.unrecorded` was given. */
  unrecorded?: UnrecordedRunFolder[];
}

/** The zone a run at each stage was last written to (its crawl, or in direct mode its write, starts the next step), in publishing order. */
export const ZONE_AWAITED: Record<Exclude<RunStage, 'loaded'>, Zone> = {
  extracted: 'raw',
  cleaned: 'cleaned',
  transformed: 'transformed',
};

/**
 * Finds runs stuck longer than `input.thresholdMs` (by `updatedAt`, ISO UTC,
 * against `deps.clock`) and publishes one `ZoneWritten` per stage with those
 * runs, oldest first; then, when given their deps, checks source freshness
 * and removes the parts of unrecorded runs (module comment). Returns what it
 * did. Throws what the ledger or the publisher throws (transient or
 * terminal); a stage published before a failure stays published
 * (re-emitting is harmless: each step re-checks the ledger). A failure of
 * the freshness check or of the removal does not stop the other: both run,
 * then the first failure is thrown (the whole sweep is safe to run again).
 */
export async function sweep(input: SweepInput, deps: SweepDeps): Promise<SweepResult> {
  const result = await nudge(input, deps);
  const failures: unknown[] = [];
  if (deps.freshness) {
    try {
      const freshness = await checkSourceFreshness({ ...deps.freshness, clock: deps.clock, logger: deps.logger });
      if (freshness) result.freshness = freshness;
    } catch (error) {
      deps.logger.warn('source freshness check failed', { step: 'sweep', error: errorMessage(error) });
      failures.push(error);
    }
  }
  if (deps.unrecorded) {
    try {
      result.unrecorded = await removeUnrecorded(deps.unrecorded, deps);
    } catch (error) {
      deps.logger.warn('could not remove the parts of unrecorded runs', { step: 'sweep', error: errorMessage(error) });
      failures.push(error);
    }
  }
  if (failures.length) throw failures[0];
  deps.logger.info('sweep done', {
    step: 'sweep',
    pending: result.pending,
    nudged: result.nudged.length,
    ...(deps.freshness ? { freshnessChecked: result.freshness?.tables.length ?? 0 } : {}),
    ...(deps.unrecorded ? { unrecordedFoldersRemoved: result.unrecorded?.length ?? 0 } : {}),
  });
  return result;
}

async function removeUnrecorded(
  unrecorded: NonNullable<SweepDeps['unrecorded']>,
  deps: SweepDeps,
): Promise<UnrecordedRunFolder[]> {
  const now = deps.clock.now().getTime();
  const removed = await removeUnrecordedRuns(
    {
      writtenBefore: new Date(now - unrecorded.safeAgeMs),
      since: unrecorded.lookbackMs === undefined ? undefined : new Date(now - unrecorded.lookbackMs),
    },
    {
      folders: unrecorded.folders,
      ledger: { getRun: (runId) => deps.ledger.getRun(runId), claims: () => unrecorded.claims.claims() },
    },
  );
  if (removed.length) {
    deps.logger.warn('removed the parts of runs the ledger never recorded', {
      step: 'sweep',
      unrecordedRuns: [...new Set(removed.map((r) => r.runId))],
      folders: removed.map((r) => r.folder),
      objects: removed.reduce((n, r) => n + r.objects, 0),
    });
  }
  return removed;
}

/** The nudges (module comment): one ZoneWritten per stage with the runs stuck at it. */
async function nudge(input: SweepInput, deps: SweepDeps): Promise<SweepResult> {
  const now = deps.clock.now().getTime();
  const pending = await pendingRuns(deps.ledger);
  const isStuck = (updatedAt: string) => {
    const updated = Date.parse(updatedAt);
    return !Number.isNaN(updated) && now - updated > input.thresholdMs;
  };
  const nudged: SweepNudge[] = [];
  for (const [stage, zone] of Object.entries(ZONE_AWAITED) as [SweepNudge['stage'], Zone][]) {
    const runs = pending.filter((r) => r.stage === stage && isStuck(r.updatedAt)).map((r) => r.runId);
    if (!runs.length) continue;
    await deps.events.publish({ source: 'lakehouse', 'detail-type': 'ZoneWritten', detail: { zone, runs } });
    deps.logger.warn('stuck runs nudged', { step: 'sweep', stage, zone, runs, thresholdMs: input.thresholdMs });
    nudged.push({ stage, zone, runs });
  }
  return { pending: pending.length, nudged };
}
