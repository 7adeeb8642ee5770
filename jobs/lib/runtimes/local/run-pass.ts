/**
 * One pass of the local pipeline: what a schedule tick and the S3 watcher
 * would start on AWS. It publishes the events (landed files, then the extract
 * tick) and lets the bus deliver them along the routes until the chain is
 * quiet. The order of the steps comes from the routes, not from this file.
 */
import { errorMessage } from '../../core/errors';
import { type LocalScanResult, logOffset, scanLogsLocal } from '../../../scan-logs/local';
import { endPass, removeLeftovers, type LeftoversRemoved } from '../../adapters/fs/leftovers';
import { LANDING_PREFIX } from '../../definition/object-keys';
import { ZONES } from '../../definition/zones';
import type { Logger } from '../../core/logger';
import { checkSourceFreshness, type FreshnessCheck } from '../../core/quality/source-freshness';
import type { SlotLagCheck } from '../../core/slot-lag';
import { localSlotLag } from './local-change-capture';
import type { Delivery, ProgressListener } from './event-bus';
import type { LocalRuntime } from './local-runtime';

export interface PassResult {
  deliveries: Delivery[];
  /** Deliveries whose step threw. */
  failures: Delivery[];
  /** Wall time of the pass, milliseconds. */
  ms: number;
  /** What the scan of this pass's log lines found, whether it sent an alert, and why not (`notSent`). */
  alerts: LocalScanResult;
  /** Leftovers of a killed process removed before the pass (jobs/lib/adapters/fs/leftovers.ts). */
  leftovers: LeftoversRemoved;
  /** The source freshness check made after the bus drained (source-freshness.ts); undefined when nothing is declared or checkable. */
  freshness?: FreshnessCheck;
  /** In capture mode `cdc`, the replication slot's lag check (slot-lag.ts); undefined in watermark mode or when it could not be read. */
  slotLag?: SlotLagCheck;
}

/**
 * Runs one pass: a sweep tick re-announces the runs an earlier pass left
 * waiting, files waiting under `landing/` are announced as "Object Created"
 * (the local stand-in for S3 notifications), then an extract tick; the bus
 * drains; the lines the pass logged are scanned and one alert is sent if any
 * is an error (rejected rows, failed steps, quarantined files).
 * Returns every delivery made; never throws for a step's failure (see `failures`).
 *
 * `onProgress` hears each step start and finish, and each table a step is
 * done with where the step logs it (extract: "table extracted"; load: "run
 * loaded", one event per table of the run): the jobs stay free of any display.
 */
export async function runPass(runtime: LocalRuntime, options: { onProgress?: ProgressListener } = {}): Promise<PassResult> {
  const { onProgress } = options;
  if (!onProgress) return pass(runtime);
  const logger = runtime.logger;
  runtime.logger = progressTee(logger, onProgress);
  try {
    return await pass(runtime, onProgress);
  } finally {
    runtime.logger = logger;
  }
}

async function pass(runtime: LocalRuntime, onProgress?: ProgressListener): Promise<PassResult> {
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
    return { ...(await drainPass(runtime, offset, started, onProgress)), leftovers };
  } finally {
    await endPass(runtime.ledger);
  }
}

async function drainPass(
  runtime: LocalRuntime,
  offset: number,
  started: number,
  onProgress?: ProgressListener,
): Promise<Omit<PassResult, 'leftovers'>> {
  // The sweep goes first: it re-announces runs an earlier pass left waiting (e.g. a transient failure). Queued
  // after the landing files, it re-announced the run their ingest had just announced, a second delivery per stage.
  await runtime.bus.publish({ source: 'aws.scheduler', 'detail-type': 'Scheduled Tick', detail: { step: 'sweep' } });
  for (const object of await runtime.lake.raw.list(LANDING_PREFIX)) {
    await runtime.bus.publish({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { bucket: { name: 'raw' }, object: { key: object.key, size: object.size }, zone: 'raw' },
    });
  }
  await runtime.bus.publish({ source: 'aws.scheduler', 'detail-type': 'Scheduled Tick', detail: { step: 'extract' } });
  const deliveries = await runtime.bus.drain((route, event) => runtime.dispatch(route, event), undefined, onProgress);
  for (const failure of deliveries.filter((d) => d.error)) {
    runtime.logger.error('step failed', { step: failure.step, route: failure.route, error: failure.error });
  }
  // Source freshness on every pass: results to quality.results, an alert line only when a table's state changes.
  const freshness = await checkSourceFreshness({
    engine: runtime.engine,
    clock: runtime.clock,
    logger: runtime.logger,
    results: runtime.lake.transformed,
  });
  // Change capture: a slot nobody consumes keeps WAL on the source's disk, so its lag is checked on every pass.
  const slotLag = await localSlotLag(runtime).catch((error: unknown) => {
    runtime.logger.error('change capture slot unreadable', { step: 'extract', error: errorMessage(error) });
    return undefined;
  });
  // The local stand-in for the log subscription: scan what this pass logged and alert once on errors.
  const alerts = await scanLogsLocal(runtime, offset);
  return { deliveries, failures: deliveries.filter((d) => d.error), ms: performance.now() - started, alerts, freshness, slotLag };
}

/** Rows per table of a load's `tables` log attribute (`{ staged, changed }` per table): the changed rows. */
function tableCounts(value: unknown): [string, number][] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([table, count]) => {
    const changed = (count as { changed?: unknown } | null)?.changed;
    return typeof changed === 'number' ? [[table, changed] as [string, number]] : [];
  });
}

/**
 * A logger that writes every line to `logger` and also turns the per-table
 * lines of extract and load into `table-done` progress events.
 */
function progressTee(logger: Logger, onProgress: ProgressListener): Logger {
  return {
    debug: (message, attributes) => logger.debug(message, attributes),
    warn: (message, attributes) => logger.warn(message, attributes),
    error: (message, attributes) => logger.error(message, attributes),
    info(message, attributes) {
      logger.info(message, attributes);
      const runId = typeof attributes?.runId === 'string' ? attributes.runId : undefined;
      if (message === 'table extracted' && typeof attributes?.table === 'string' && typeof attributes.rows === 'number') {
        onProgress({ type: 'table-done', step: 'extract', table: attributes.table, rows: attributes.rows, runId });
      } else if (message === 'run loaded') {
        for (const [table, rows] of tableCounts(attributes?.tables))
          onProgress({ type: 'table-done', step: 'load', table, rows, runId });
      }
    },
  };
}
