/**
 * Local wiring of sweep (the counterpart of handler.ts). Locally every
 * waiting run is "stuck" once a pass starts, since nothing else will move it,
 * so the threshold is zero: each pass first re-announces what an earlier pass
 * left waiting.
 */
import type { LocalStep } from '../lib/runtimes/local/local-runtime';
import { sweep } from './sweep';

/** Re-announces every run waiting for a step. */
export const sweepLocal: LocalStep = async (runtime) =>
  sweep({ thresholdMs: 0 }, { ledger: runtime.ledger, events: runtime.bus, clock: runtime.clock, logger: runtime.logger });
