/**
 * Lambda: sweep. Started by the sweep schedule; re-emits the event each run
 * stuck longer than LAKEHOUSE_SWEEP_THRESHOLD (default 30m) waits for, checks
 * source freshness with Athena in the pipeline's workgroup (the declarations
 * ship next to the bundle: scripts/build.ts sets LAKEHOUSE_SQL_DIR), and
 * removes the raw parts of runs the ledger never recorded (sweep.ts).
 * Error policy: handler-kit.ts.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { ENV } from '../lib/definition/lambda-environment';
import type { Zone } from '../lib/definition/zones';
import { deployedNamesFromEnv, zoneDatabasesFromEnv } from '../lib/runtimes/lambda/environment';
import { routeFor, toPipelineEvent } from '../lib/runtimes/lambda/event-schemas';
import { AthenaQueryEngine } from '../lib/adapters/aws/athena-query-engine';
import { EventBridgePublisher } from '../lib/adapters/aws/eventbridge-publisher';
import { GlueCatalog } from '../lib/adapters/aws/glue-catalog';
import { S3RawRunFolders } from '../lib/adapters/aws/s3-raw-run-folders';
import { ledgerFromEnv, zoneStore } from '../lib/runtimes/lambda/from-env';
import { clientConfig, lambdaHandler, systemClock } from '../lib/runtimes/lambda/handler-kit';
import { parseDuration } from '../lib/core/duration';
import { UNRECORDED_RUN_LOOKBACK_MS, UNRECORDED_RUN_SAFE_AGE_MS } from '../lib/core/unrecorded-runs';
import { lambdaLogger } from '../lib/adapters/powertools/lambda-logger';
import { sweep } from './sweep';

const s3 = new S3Client(clientConfig());
const eventBridge = new EventBridgeClient(clientConfig());
const athena = new AthenaClient(clientConfig());
const glue = new GlueClient(clientConfig());
/** The function's logger (exported for tests: its level, its lines). */
export const logger = lambdaLogger('sweep');

/** Event: the Scheduler's `{ source: 'aws.scheduler', 'detail-type': 'Scheduled Tick', detail: { step: 'sweep' } }`. */
export const handler = lambdaHandler('sweep', logger, async (event) => {
  const names = deployedNamesFromEnv();
  routeFor(toPipelineEvent(event, names), 'sweep');
  const thresholdMs = parseDuration(process.env[ENV.sweepThreshold] || '30m', { name: ENV.sweepThreshold });
  const events = new EventBridgePublisher(eventBridge, names.eventBusName);
  const ledger = ledgerFromEnv(s3);
  const databases = zoneDatabasesFromEnv();
  const stores = { cleaned: zoneStore('cleaned', s3, names), transformed: zoneStore('transformed', s3, names) };
  // Freshness reads only cleaned tables: their database is the queries' default schema, and a table not
  // crawled yet reads as empty (not stale). The catalog is asked once per zone and invocation.
  const catalog = new GlueCatalog(glue, { crawlers: names.crawlers, databases, buckets: names.buckets });
  const tableNames = new Map<Zone, Promise<ReadonlySet<string>>>();
  const engine = new AthenaQueryEngine(athena, stores, {
    workgroup: names.athenaWorkgroup,
    databases,
    queryZone: 'cleaned',
    tables: (zone) => {
      if (!tableNames.has(zone)) tableNames.set(zone, catalog.tableNames(zone));
      return tableNames.get(zone)!;
    },
  });
  return sweep(
    { thresholdMs },
    {
      ledger,
      events,
      clock: systemClock,
      logger,
      freshness: { engine, results: stores.transformed },
      unrecorded: {
        folders: new S3RawRunFolders(s3, names.buckets.raw),
        claims: ledger,
        safeAgeMs: UNRECORDED_RUN_SAFE_AGE_MS,
        lookbackMs: UNRECORDED_RUN_LOOKBACK_MS,
      },
    },
  );
});
