/**
 * One pass of the local pipeline: what a schedule tick and the S3 watcher
 * would start on AWS. It publishes the events (landed files, then the extract
 * tick) and lets the bus deliver them along the routes until the chain is
 * quiet. The order of the steps comes from the routes, not from this file.
 */
import { logOffset, scanLogsLocal } from '../../../scan-logs/local';
import type { ScanLogsResult } from '../../../scan-logs/scan-logs';
import { endPass, removeLeftovers, type LeftoversRemoved } from '../../adapters/fs/leftovers';
import { LANDING_PREFIX } from '../../definition/object-keys';
import { ZONES } from '../../definition/zones';
import type { Delivery } from './event-bus';
import type { LocalRuntime } from './local-runtime';

export interface PassResult {
  deliveries: Delivery[];
  /** Deliveries whose step threw. */
  failures: Delivery[];
  /** Wall time of the pass, milliseconds. */
  ms: number;
  /** What the scan of this pass's log lines found and whether it sent an alert. */
  alerts: ScanLogsResult;
  /** Leftovers of a killed process removed before the pass (jobs/lib/adapters/fs/leftovers.ts). */
  leftovers: LeftoversRemoved;
}

/**
 * Runs one pass: files waiting under `landing/` are announced as "Object
 * Created" (the local stand-in for S3 notifications), then a sweep tick (runs
 * an earlier pass left waiting are re-announced) and an extract tick; the bus drains; the lines the pass logged are scanned and one alert is
 * sent if any is an error (rejected rows, failed steps, quarantined files).
 * Returns every delivery made; never throws for a step's failure (see `failures`).
 */
export async function runPass(runtime: LocalRuntime): Promise<PassResult> {
  const started = performance.now();
  const offset = await logOffset(runtime);
  const leftovers = await removeLeftovers({
    raw: runtime.paths.zone('raw'),
    zones: ZONES.map((zone) => runtime.paths.zone(zone)),
    ledger: runtime.ledger,
  });
  if (leftovers.runs.length || leftovers.tempFiles.length || leftovers.scratch.length) {
    runtime.logger.warn('removed the leftovers of an interrupted process', {
      step: 'sweep',
      unrecordedRuns: leftovers.runs,
      tempFiles: leftovers.tempFiles.length,
      loadScratchFolders: leftovers.scratch.length,
    });
  }
  try {
    return { ...(await drainPass(runtime, offset, started)), leftovers };
  } finally {
    await endPass(runtime.ledger);
  }
}

async function drainPass(runtime: LocalRuntime, offset: number, started: number): Promise<Omit<PassResult, 'leftovers'>> {
  for (const object of await runtime.lake.raw.list(LANDING_PREFIX)) {
    await runtime.bus.publish({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { bucket: { name: 'raw' }, object: { key: object.key, size: object.size }, zone: 'raw' },
    });
  }
  // The sweep first re-announces runs left waiting by an earlier pass (e.g. a transient failure), then the extract tick.
  await runtime.bus.publish({ source: 'aws.scheduler', 'detail-type': 'Scheduled Tick', detail: { step: 'sweep' } });
  await runtime.bus.publish({ source: 'aws.scheduler', 'detail-type': 'Scheduled Tick', detail: { step: 'extract' } });
  const deliveries = await runtime.bus.drain((route, event) => runtime.dispatch(route, event));
  for (const failure of deliveries.filter((d) => d.error)) {
    runtime.logger.error('step failed', { step: failure.step, route: failure.route, error: failure.error });
  }
  // The local stand-in for the log subscription: scan what this pass logged and alert once on errors.
  const alerts = await scanLogsLocal(runtime, offset);
  return { deliveries, failures: deliveries.filter((d) => d.error), ms: performance.now() - started, alerts };
}
