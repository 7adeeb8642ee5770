/**
 * One pass of the local pipeline: what a schedule tick and the S3 watcher
 * would start on AWS. It publishes the events (landed files, then the extract
 * tick) and lets the bus deliver them along the routes until the chain is
 * quiet. The order of the steps comes from the routes, not from this file.
 */
import { promises as fs } from 'node:fs';
import { scanLogs, type LogRecord, type ScanLogsResult } from '../../../scan-logs/scan-logs';
import { LANDING_PREFIX } from '../../definition/object-keys';
import type { Delivery } from './event-bus';
import type { LocalRuntime } from './runtime';

export interface PassResult {
  deliveries: Delivery[];
  /** Deliveries whose step threw. */
  failures: Delivery[];
  /** Wall time of the pass, milliseconds. */
  ms: number;
  /** What the scan of this pass's log lines found and whether it sent an alert. */
  alerts: ScanLogsResult;
}

/** Bytes in the log file now (0 when it does not exist yet). */
async function logSize(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return 0;
  }
}

/** The log lines appended to `file` since byte `offset`, as scan-logs records. */
async function logRecordsSince(file: string, offset: number): Promise<LogRecord[]> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    await handle.read(buffer, 0, buffer.length, offset);
    return buffer
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim())
      .map((message) => {
        let timestamp = Date.now();
        try {
          const parsed = Date.parse((JSON.parse(message) as { timestamp?: string }).timestamp ?? '');
          if (!Number.isNaN(parsed)) timestamp = parsed;
        } catch {
          // a plain-text line: keep it, stamped now
        }
        return { timestamp, message, logFile: file };
      });
  } finally {
    await handle.close();
  }
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
  const logOffset = await logSize(runtime.logFile);
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
  const alerts = await scanLogs({ records: await logRecordsSince(runtime.logFile, logOffset) }, { notifier: runtime.notifier });
  return { deliveries, failures: deliveries.filter((d) => d.error), ms: performance.now() - started, alerts };
}
