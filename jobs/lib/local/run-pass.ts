/**
 * One pass of the local pipeline: what a schedule tick and the S3 watcher
 * would start on AWS. It publishes the events (landed files, then the extract
 * tick) and lets the bus deliver them along the routes until the chain is
 * quiet. The order of the steps comes from the routes, not from this file.
 */
import { LANDING_PREFIX } from '../pipeline';
import type { Delivery } from './event-bus';
import type { LocalRuntime } from './runtime';

export interface PassResult {
  deliveries: Delivery[];
  /** Deliveries whose step threw. */
  failures: Delivery[];
  /** Wall time of the pass, milliseconds. */
  ms: number;
}

/**
 * Runs one pass: files waiting under `landing/` are announced as "Object
 * Created" (the local stand-in for S3 notifications), then a scheduled extract
 * tick; the bus drains. Returns every delivery made; never throws for a step's
 * failure (see `failures`).
 */
export async function runPass(runtime: LocalRuntime): Promise<PassResult> {
  const started = performance.now();
  for (const object of await runtime.lake.raw.list(LANDING_PREFIX)) {
    await runtime.bus.publish({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { bucket: { name: 'raw' }, object: { key: object.key, size: object.size }, zone: 'raw' },
    });
  }
  await runtime.bus.publish({ source: 'aws.scheduler', 'detail-type': 'Scheduled Tick', detail: { step: 'extract' } });
  const deliveries = await runtime.bus.drain((route, event) => runtime.dispatch(route, event));
  for (const failure of deliveries.filter((d) => d.error)) {
    runtime.logger.error('step failed', { step: failure.step, route: failure.route, error: failure.error });
  }
  return { deliveries, failures: deliveries.filter((d) => d.error), ms: performance.now() - started };
}
