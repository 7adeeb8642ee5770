/**
 * The steps of the chain and the stages a run moves through
 * (docs/architecture.md, "Runs").
 */

/** The jobs of the chain. Each has `jobs/<step>/`. */
export const STEPS = ['extract', 'ingest', 'crawl', 'transform', 'load', 'scan-logs', 'sweep', 'reconcile'] as const;

/** The steps a Scheduler schedule starts (a `Scheduled Tick` with `detail.step`). */
export const SCHEDULED_STEPS = ['extract', 'sweep', 'reconcile'] as const;
export type ScheduledStep = (typeof SCHEDULED_STEPS)[number];
export type Step = (typeof STEPS)[number];

/**
 * Where a run stands. A run is created `extracted` when its manifest is
 * written; each step moves the runs that wait for it one stage on.
 */
export const RUN_STAGES = ['extracted', 'cleaned', 'transformed', 'loaded'] as const;
export type RunStage = (typeof RUN_STAGES)[number];

/** The stage a run must be at for a transform into `zone` (cleaned or transformed) to pick it up. */
export const STAGE_BEFORE: Record<'cleaned' | 'transformed' | 'loaded', RunStage> = {
  cleaned: 'extracted',
  transformed: 'cleaned',
  loaded: 'transformed',
};
