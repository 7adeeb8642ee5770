/**
 * Waiting for the chain to be idle before a reconcile (jobs/reconcile/): a
 * reconcile compares the source with the lake's latest versions, so runs
 * still moving through the chain (extracted, not yet cleaned) must finish
 * first. On AWS the extract runs every 30 minutes by default and a run takes
 * minutes to reach the warehouse, so a scheduled reconcile often starts while
 * one is in flight: it waits for it instead of failing (and alerting) every
 * time. A failed run is not waited for: it needs a person (`lakehouse retry`).
 */
import type { Clock, RunLedger, RunRecord } from './ports';

export interface IdleChainOptions {
  /** How long to wait at most, in milliseconds. */
  maxWaitMs: number;
  /** Time between two looks at the ledger, in milliseconds. */
  pollMs: number;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
}

/**
 * Polls `ledger.openRuns()` until no open run is still moving (every open
 * run, if any, is failed) or `maxWaitMs` has passed.
 *
 * @returns the runs still open at the end: [] when the chain is idle; failed
 *   runs only, when those are all that is left; otherwise the runs still moving
 *   when the wait ran out (the caller decides: retry later)
 * @throws the ledger's errors as it throws them
 */
export async function waitForIdleChain(ledger: Pick<RunLedger, 'openRuns'>, options: IdleChainOptions): Promise<RunRecord[]> {
  if (!(options.maxWaitMs >= 0) || !(options.pollMs > 0)) {
    throw new RangeError(`maxWaitMs must be ≥ 0 and pollMs > 0: ${options.maxWaitMs}, ${options.pollMs}`);
  }
  const deadline = options.clock.now().getTime() + options.maxWaitMs;
  for (;;) {
    const open = await ledger.openRuns();
    if (open.every((run) => run.failed)) return open;
    const left = deadline - options.clock.now().getTime();
    if (left <= 0) return open;
    await options.sleep(Math.min(options.pollMs, left));
  }
}
