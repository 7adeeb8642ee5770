/**
 * Lambda: transform. Started by "Glue Crawler State Change" Succeeded of the
 * raw crawler (→ cleaned) or the cleaned crawler (→ transformed; in direct
 * mode by `ZoneWritten` cleaned instead); runs the
 * zone's models as Athena CTAS for the oldest waiting run, registers the
 * partitions written in Glue, and emits `ZoneWritten` (and again for the
 * input zone when more runs wait). Which source tables exist comes from Glue
 * (GetTables), asked per model.
 * The SQL models ship next to the bundle (scripts/build.ts sets LAKEHOUSE_SQL_DIR).
 * Error policy: handler-kit.ts.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { AthenaQueryEngine } from '../lib/adapters/aws/athena-query-engine';
import { deployedNamesFromEnv, zoneDatabasesFromEnv } from '../lib/runtimes/lambda/environment';
import { routeFor, toPipelineEvent } from '../lib/runtimes/lambda/event-schemas';
import { EventBridgePublisher } from '../lib/adapters/aws/eventbridge-publisher';
import { GlueCatalog } from '../lib/adapters/aws/glue-catalog';
import { ledgerFromEnv, zoneStore } from '../lib/runtimes/lambda/from-env';
import { clientConfig, lambdaHandler, systemClock } from '../lib/runtimes/lambda/handler-kit';
import { lambdaLogger } from '../lib/adapters/powertools/lambda-logger';
import { transform } from './transform';

const athena = new AthenaClient(clientConfig());
const s3 = new S3Client(clientConfig());
const eventBridge = new EventBridgeClient(clientConfig());
const glue = new GlueClient(clientConfig());
/** The function's logger (exported for tests: its level, its lines). */
export const logger = lambdaLogger('transform');

/** Event: Glue Crawler State Change (Succeeded) for the raw or cleaned crawler, or ZoneWritten cleaned (direct mode). */
export const handler = lambdaHandler('transform', logger, async (event) => {
  const names = deployedNamesFromEnv();
  const route = routeFor(toPipelineEvent(event, names), 'transform');
  const stores = { cleaned: zoneStore('cleaned', s3, names), transformed: zoneStore('transformed', s3, names) };
  const databases = zoneDatabasesFromEnv();
  // Tables not crawled yet (a run holding only some source tables) read as empty relations.
  const catalog = new GlueCatalog(glue, { crawlers: names.crawlers, databases, buckets: names.buckets });
  const engine = new AthenaQueryEngine(athena, stores, {
    workgroup: names.athenaWorkgroup,
    databases,
    tables: (zone) => catalog.tableNames(zone),
  });
  const events = new EventBridgePublisher(eventBridge, names.eventBusName);
  return transform(
    // One run per invocation (the rest are announced again): bounded by one run's work, not the backlog.
    { target: route.input.target!, maxRuns: 1 },
    {
      engine,
      catalog,
      ledger: ledgerFromEnv(s3),
      events,
      clock: systemClock,
      logger,
      drift: { raw: zoneStore('raw', s3, names), cleaned: stores.cleaned },
      quality: { results: stores.transformed },
    },
  );
});
