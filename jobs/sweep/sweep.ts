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
 */
import type { Logger } from '../lib/core/logger';
import type { RunStage } from '../lib/definition/run-stages';
import type { Zone } from '../lib/definition/zones';
import type { Clock, EventPublisher, RunLedger } from '../lib/core/ports';
import { pendingRuns } from '../lib/core/run-lifecycle';

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
 * runs, oldest first. Returns what it published. Throws what the ledger or
 * the publisher throws (transient or terminal); a stage published before a
 * failure stays published (re-emitting is harmless: each step re-checks the ledger).
 */
export async function sweep(input: SweepInput, deps: SweepDeps): Promise<SweepResult> {
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
  deps.logger.info('sweep done', { step: 'sweep', pending: pending.length, nudged: nudged.length });
  return { pending: pending.length, nudged };
}
