/**
 * The local dispatch table: which `jobs/<verb>/local.ts` runs a routed step.
 * scan-logs is not routed locally; the pass runs it over its own log lines
 * (jobs/scan-logs/local.ts).
 */
import { crawlLocal } from '../../../crawl/local';
import { extractLocal } from '../../../extract/local';
import { ingestLocal } from '../../../ingest/local';
import { loadLocal } from '../../../load/local';
import { sweepLocal } from '../../../sweep/local';
import { transformLocal } from '../../../transform/local';
import { TerminalError } from '../../core/errors';
import type { PipelineEvent } from '../../definition/events';
import type { Route } from '../../definition/routes';
import type { Step } from '../../definition/run-stages';
import type { LocalRuntime, LocalStep } from './local-runtime';

const LOCAL_STEPS: Partial<Record<Step, LocalStep>> = {
  extract: extractLocal,
  ingest: ingestLocal,
  crawl: crawlLocal,
  transform: transformLocal,
  load: loadLocal,
  sweep: sweepLocal,
};

/**
 * Runs the step `route` names for `event` with the local adapters.
 *
 * @throws TerminalError when the step has no local wiring; otherwise whatever the job throws
 */
export function runLocalStep(runtime: LocalRuntime, route: Route, event: PipelineEvent): Promise<unknown> {
  const step = LOCAL_STEPS[route.step];
  if (!step) return Promise.reject(new TerminalError(`step ${route.step} has no local wiring`));
  return step(runtime, route, event);
}
