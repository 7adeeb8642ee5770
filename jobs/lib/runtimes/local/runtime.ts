/**
 * The local composition root: wires the embedded adapters (folders, DuckDB,
 * PGlite or a PostgreSQL URL, the in-process bus) and dispatches routed events
 * to each step's local wiring (`jobs/<verb>/local.ts`, beside the step's Lambda
 * `handler.ts`, so the two differ only in wiring).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { sep } from 'node:path';
import { quoteLiteral } from '../../core/identifiers';
import { fileLogger } from '../../adapters/powertools/file-logger';
import { ZONES, type Zone } from '../../definition/zones';
import type { Clock, Lake, Warehouse } from '../../core/ports';
import { DuckDbCatalog } from '../../adapters/duckdb/duckdb-catalog';
import { registerQualityResults } from '../../adapters/duckdb/duckdb-quality-results';
import { EmailNotifier } from '../../adapters/smtp/email-notifier';
import { openDuckDb } from '../../adapters/duckdb/duckdb';
import { describeCatalogOpenError, isReadOnlyFsError } from '../../adapters/duckdb/duckdb-open-error';
import { errorMessage, TerminalError } from '../../core/errors';
import type { Logger } from '../../core/logger';
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
import { killAfterRoute, killOnRawPart, withLoadKillPoint } from './test-kill-hook';

/**
 * DuckDB settings of the local runtime: its buffer memory is capped at 192 MB
 * (it spills to a temp folder beside the catalog beyond that), which keeps the
 * whole process near half a GB at a hundred times the ToteSys data
 * (docs/performance.md); and COPY may write rows in any order (nothing depends
 * on the order of rows inside a file), which lets DuckDB stream instead of
 * buffering to keep order.
 */
export const DUCKDB_SETTINGS = ["set memory_limit = '192MB'", 'set preserve_insertion_order = false'];

/**
 * DuckDB settings of a read-only runtime, after {@link DUCKDB_SETTINGS}: file
 * access only inside the home (the zones the views read, the spill folder),
 * so a query can neither read other files nor write outside the home
 * (`COPY … TO`, `ATTACH`); DuckDB refuses to turn access back on.
 */
export const readOnlyDuckDbSettings = (home: string) => [
  `set allowed_directories = [${quoteLiteral(`${home}${sep}`)}]`,
  'set enable_external_access = false',
];

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

/** The setting that chose where the warehouse is, for messages. */
export function warehouseSetting(settings: LocalSettings): string {
  return settings.warehouseUrl
    ? 'LAKEHOUSE_WAREHOUSE_URL'
    : `LAKEHOUSE_WAREHOUSE_URL unset: embedded under the home, ${settings.homeOrigin}`;
}

/** The setting that chose where the source is, for messages. */
export function sourceSetting(settings: LocalSettings): string {
  return settings.sourceUrl
    ? 'LAKEHOUSE_SOURCE_URL'
    : `LAKEHOUSE_SOURCE_URL unset: embedded under the home, ${settings.homeOrigin}`;
}

/** True when the warehouse exists without creating it: always for a server URL, else when the embedded folder exists. */
export function warehouseExists(settings: LocalSettings): boolean {
  return Boolean(settings.warehouseUrl) || existsSync(homePaths(settings.home).warehouseDb);
}

/** A logger that writes nothing: read-only commands leave no log lines in the home. */
const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Options of {@link openLocalRuntime}. */
export interface RuntimeOptions {
  clock?: Clock;
  /**
   * For commands that only read (status, query, dry runs): the home must
   * exist (TerminalError saying so otherwise) and nothing is created or
   * changed in it: the catalog is opened READ_ONLY (an in-memory one when the
   * home has none yet), nothing is logged, and the embedded warehouse is
   * opened only when its folder exists (`warehouse()` rejects otherwise).
   * Warehouse queries are read-only transactions either way (PgWarehouse.query).
   */
  readOnly?: boolean;
}

/** Opens the lake catalog, with plain messages for a lock held by another command and a read-only home. */
async function openCatalog(settings: LocalSettings, readOnly: boolean) {
  const { catalog } = homePaths(settings.home);
  try {
    return readOnly && !existsSync(catalog) ? await openDuckDb(':memory:') : await openDuckDb(catalog, { readOnly });
  } catch (error) {
    throw describeCatalogOpenError(error, settings.home, settings.homeOrigin);
  }
}

/**
 * `error` as a plain "the lakehouse home … is read-only" TerminalError when it
 * is a refused write (EACCES, EPERM, EROFS) to a path inside the home of
 * `settings`; else `error` unchanged. For errors from any part of a command
 * (the file ledger, for one, writes while it reads its open-runs index).
 */
export function describeHomeWriteError(error: unknown, settings: LocalSettings): unknown {
  const path = (error as { path?: unknown } | null)?.path;
  if (!isReadOnlyFsError(error) || typeof path !== 'string' || !path.startsWith(settings.home)) return error;
  return new TerminalError(`the lakehouse home ${settings.home} (${settings.homeOrigin}) is read-only: ${errorMessage(error)}`, {
    cause: error,
  });
}

/** The file logger of the home, with a plain message when the home cannot be written. */
function openLog(settings: LocalSettings, logFile: string) {
  try {
    return fileLogger('lakehouse', logFile);
  } catch (error) {
    if (!isReadOnlyFsError(error)) throw error;
    throw new TerminalError(`the lakehouse home ${settings.home} (${settings.homeOrigin}) is read-only: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

/**
 * A home that was moved or copied keeps catalog views over the folder it was
 * crawled in (DuckDbCatalog.staleZones). A writing runtime crawls those zones
 * again, here, and logs it; a read-only one cannot change the catalog and
 * says what to run.
 * @throws TerminalError (read-only) naming `lakehouse crawl`
 */
async function followMovedHome(catalog: DuckDbCatalog, settings: LocalSettings, readOnly: boolean, logger: Logger) {
  if (readOnly) {
    const stale = await catalog.staleZones();
    if (stale.length) {
      throw new TerminalError(
        `the catalog of the lakehouse home ${settings.home} reads another folder (the home was moved or copied; zones ${stale.join(', ')}): run \`lakehouse crawl\` (or any run) there once to register its own files`,
      );
    }
    return;
  }
  const moved = await catalog.reregisterStaleZones();
  if (moved.length) {
    logger.info('catalog re-registered: its views read another folder (the home was moved or copied)', { zones: moved });
  }
}

/**
 * Opens the local runtime for `settings`. Databases are opened lazily, so
 * commands that need only the lake never start PGlite. Close it when done.
 *
 * @throws TerminalError when the home is read-only (a writing runtime), or missing (`readOnly`);
 *         TransientError when another lakehouse command holds the home's catalog (its pid in the message)
 */
export async function openLocalRuntime(settings: LocalSettings, options: RuntimeOptions = {}): Promise<LocalRuntime> {
  const paths = homePaths(settings.home);
  const readOnly = options.readOnly ?? false;
  if (readOnly && !existsSync(settings.home)) {
    throw new TerminalError(
      `no lakehouse home at ${settings.home} (${settings.homeOrigin}): nothing to read. Run \`lakehouse run\` there first, or point LAKEHOUSE_HOME at an existing home`,
    );
  }
  const clock = options.clock ?? { now: () => new Date() };
  const bus = new LocalEventBus(settings.chainMode);
  const logFile = paths.logFile;
  const { conn: duck, close: closeDuck } = await openCatalog(settings, readOnly);
  let logger: Logger = silentLogger;
  let closeLog: () => Promise<void> = async () => undefined;
  if (!readOnly) {
    try {
      ({ logger, close: closeLog } = openLog(settings, logFile));
    } catch (error) {
      closeDuck();
      throw error;
    }
  }

  const lake = Object.fromEntries(
    ZONES.map((zone) => [
      zone,
      new FsObjectStore(zone, paths.zone(zone), async (key, size) => {
        if (zone === 'raw') await killOnRawPart(key); // crash tests only (test-kill-hook.ts)
        return bus.publish({
          source: 'aws.s3',
          'detail-type': 'Object Created',
          detail: { bucket: { name: zone }, object: { key, size }, zone },
        });
      }),
    ]),
  ) as unknown as Lake;

  for (const setting of DUCKDB_SETTINGS) await duck.run(setting);
  if (readOnly) for (const setting of readOnlyDuckDbSettings(settings.home)) await duck.run(setting);
  const catalog = new DuckDbCatalog(duck, paths.zone, (report) =>
    bus.publish({
      source: 'aws.glue',
      'detail-type': 'Glue Crawler State Change',
      detail: { crawlerName: localCrawlerName(report.zone), state: 'Succeeded', zone: report.zone },
    }),
  );
  await followMovedHome(catalog, settings, readOnly, logger).catch(async (error: unknown) => {
    closeDuck();
    await closeLog();
    throw error;
  });
  const engine = new DuckDbQueryEngine(duck, paths.zone);
  // `quality.results`; each transformed crawl refreshes it. A read-only command uses the view a writing one made.
  if (!readOnly) await registerQualityResults(duck, paths.zone('transformed'));
  const ledger = new FileRunLedger(paths.ledger);
  const notifier = new EmailNotifier({
    to: settings.alertEmail,
    smtpUrl: settings.smtpUrl,
    timeoutMs: settings.smtpTimeoutMs,
    outbox: paths.outbox,
    now: () => clock.now(),
  });

  let sourceClient: Promise<PgClient> | undefined;
  let warehouseClient: Promise<PgClient> | undefined;
  let warehouse: Promise<Warehouse> | undefined;
  const openSource = () =>
    (sourceClient ??= openPg(sourceTarget(settings), { component: 'source', setting: sourceSetting(settings) }));
  const openWarehouse = () =>
    (warehouse ??= (async () => {
      if (readOnly && !warehouseExists(settings)) {
        throw new TerminalError(
          `no warehouse yet at ${paths.warehouseDb}: nothing has been loaded into this home (run \`lakehouse run\`)`,
        );
      }
      warehouseClient = openPg(warehouseTarget(settings), { component: 'warehouse', setting: warehouseSetting(settings) });
      return new PgWarehouse(
        await warehouseClient,
        withLoadKillPoint(duckDbStaging(duck)),
        (key) => lake.transformed.uri(key),
        clock,
      );
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
    dispatch: async (route, event) => {
      const result = await runLocalStep(runtime, route, event);
      killAfterRoute(route.name); // crash tests only (test-kill-hook.ts)
      return result;
    },
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
