/**
 * The local composition root: wires the embedded adapters (folders, DuckDB,
 * PGlite or a PostgreSQL URL, the in-process bus) and dispatches routed events
 * to each step's local wiring (`jobs/<verb>/local.ts`, beside the step's Lambda
 * `handler.ts`, so the two differ only in wiring).
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileLogger } from '../../adapters/powertools/file-logger';
import { ZONES, type Zone } from '../../definition/zones';
import type { Clock, Lake, Warehouse } from '../../core/ports';
import { DuckDbCatalog } from '../../adapters/duckdb/duckdb-catalog';
import { registerQualityResults } from '../../adapters/duckdb/duckdb-quality-results';
import { EmailNotifier } from '../../adapters/smtp/email-notifier';
import { openDuckDb } from '../../adapters/duckdb/duckdb';
import { DuckDbQueryEngine } from '../../adapters/duckdb/duckdb-query-engine';
import { LocalEventBus } from './event-bus';
import { FileRunLedger } from '../../adapters/fs/file-run-ledger';
import { FsObjectStore } from '../../adapters/fs/fs-object-store';
import type { PgClient } from '../../adapters/postgres/pg-client';
import { openPg, type PgTarget } from './open-database';
import { PgSourceDb } from '../../adapters/postgres/pg-source-db';
import { duckDbStaging } from '../../adapters/duckdb/duckdb-parquet-staging';
import { PgWarehouse } from '../../adapters/postgres/pg-warehouse';
import type { LocalRuntime } from './local-runtime';
import { runLocalStep } from './local-steps';
import { homePaths, type LocalSettings } from './settings';

/**
 * DuckDB settings of the local runtime: its buffer memory is capped at 192 MB
 * (it spills to a temp folder beside the catalog beyond that), which keeps the
 * whole process near half a GB at a hundred times the ToteSys data
 * (docs/performance.md); and COPY may write rows in any order (nothing depends
 * on the order of rows inside a file), which lets DuckDB stream instead of
 * buffering to keep order.
 */
export const DUCKDB_SETTINGS = ["set memory_limit = '192MB'", 'set preserve_insertion_order = false'];

/** The crawler name a zone's local crawl reports, matching the Glue naming of the stacks. */
export const localCrawlerName = (zone: Zone) => `lakehouse-${zone}`;

/** Where the source lives: `LAKEHOUSE_SOURCE_URL`, else the embedded PGlite under the home. */
export function sourceTarget(settings: LocalSettings): PgTarget {
  return settings.sourceUrl ? { url: settings.sourceUrl } : { dataDir: homePaths(settings.home).sourceDb };
}

/** Where the warehouse lives: `LAKEHOUSE_WAREHOUSE_URL`, else the embedded PGlite under the home. */
export function warehouseTarget(settings: LocalSettings): PgTarget {
  return settings.warehouseUrl ? { url: settings.warehouseUrl } : { dataDir: homePaths(settings.home).warehouseDb };
}

/**
 * Opens the local runtime for `settings`. Databases are opened lazily, so
 * commands that need only the lake never start PGlite. Close it when done.
 */
export async function openLocalRuntime(settings: LocalSettings, options: { clock?: Clock } = {}): Promise<LocalRuntime> {
  const paths = homePaths(settings.home);
  const clock = options.clock ?? { now: () => new Date() };
  const bus = new LocalEventBus(settings.chainMode);
  const logFile = join(paths.logs, 'lakehouse.log');
  const { logger, close: closeLog } = fileLogger('lakehouse', logFile);

  const lake = Object.fromEntries(
    ZONES.map((zone) => [
      zone,
      new FsObjectStore(zone, paths.zone(zone), (key, size) =>
        bus.publish({
          source: 'aws.s3',
          'detail-type': 'Object Created',
          detail: { bucket: { name: zone }, object: { key, size }, zone },
        }),
      ),
    ]),
  ) as unknown as Lake;

  const { conn: duck, close: closeDuck } = await openDuckDb(paths.catalog);
  for (const setting of DUCKDB_SETTINGS) await duck.run(setting);
  const catalog = new DuckDbCatalog(duck, paths.zone, (report) =>
    bus.publish({
      source: 'aws.glue',
      'detail-type': 'Glue Crawler State Change',
      detail: { crawlerName: localCrawlerName(report.zone), state: 'Succeeded', zone: report.zone },
    }),
  );
  const engine = new DuckDbQueryEngine(duck, paths.zone);
  await registerQualityResults(duck, paths.zone('transformed')); // `quality.results`; each transformed crawl refreshes it
  const ledger = new FileRunLedger(paths.ledger);
  const notifier = new EmailNotifier({
    to: settings.alertEmail,
    smtpUrl: settings.smtpUrl,
    outbox: paths.outbox,
    now: () => clock.now(),
  });

  let sourceClient: Promise<PgClient> | undefined;
  let warehouseClient: Promise<PgClient> | undefined;
  let warehouse: Promise<Warehouse> | undefined;
  const openSource = () => (sourceClient ??= openPg(sourceTarget(settings)));
  const openWarehouse = () =>
    (warehouse ??= (async () => {
      warehouseClient = openPg(warehouseTarget(settings));
      return new PgWarehouse(await warehouseClient, duckDbStaging(duck), (key) => lake.transformed.uri(key), clock);
    })());

  const runtime: LocalRuntime = {
    settings,
    paths,
    bus,
    lake,
    ledger,
    catalog,
    engine,
    duck,
    logger,
    logFile,
    notifier,
    clock,
    sourceClient: openSource,
    // On a server each table of an extract may stream on a connection of its own (PGlite has one),
    // with its rows rendered on a worker thread when there is a second CPU for it.
    source: async () =>
      new PgSourceDb(
        await openSource(),
        settings.sourceUrl
          ? { connect: () => openPg({ url: settings.sourceUrl! }), renderWorkers: availableParallelism() > 1 }
          : {},
      ),
    warehouse: openWarehouse,
    dispatch: (route, event) => runLocalStep(runtime, route, event),
    async close() {
      // Each part closes on its own. A database that failed to open (its promise rejected; the error
      // already went to whoever asked for it) has nothing to close and must not keep the others open:
      // awaiting it first used to leave the source connection open and the process hanging.
      const closeIfOpened = (opening: Promise<{ close(): Promise<void> }> | undefined) =>
        opening?.then(
          (opened) => opened.close(),
          () => undefined,
        );
      const closed = await Promise.allSettled([closeIfOpened(warehouse ?? warehouseClient), closeIfOpened(sourceClient)]);
      closeDuck();
      notifier.close();
      await closeLog();
      const failure = closed.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) throw failure.reason;
    },
  };
  return runtime;
}
