/**
 * Lambda: ingest. Started by "Object Created" under `landing/` in the raw
 * bucket; turns the landed file into a run and manifest like an extract.
 * Error policy: handler-kit.ts.
 */
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { deployedNamesFromEnv, zoneDatabasesFromEnv } from '../lib/runtimes/lambda/environment';
import { routeFor, toPipelineEvent } from '../lib/runtimes/lambda/event-schemas';
import { ledgerFromEnv, zoneStore } from '../lib/runtimes/lambda/from-env';
import { clientConfig, lambdaHandler, systemClock } from '../lib/runtimes/lambda/handler-kit';
import { GlueCatalog } from '../lib/adapters/aws/glue-catalog';
import { lambdaLogger } from '../lib/adapters/powertools/lambda-logger';
import { ingest } from './ingest';
import { readIngestSettings } from './ingest-settings';

const s3 = new S3Client(clientConfig());
const glue = new GlueClient(clientConfig());
/** The function's logger (exported for tests: its level, its lines). */
export const logger = lambdaLogger('ingest');

/** Event: S3 Object Created for `landing/<table>/<file>` in the raw bucket. */
export const handler = lambdaHandler('ingest', logger, async (event) => {
  const names = deployedNamesFromEnv();
  const pipelineEvent = toPipelineEvent(event, names);
  routeFor(pipelineEvent, 'ingest');
  const key = pipelineEvent.source === 'aws.s3' ? pipelineEvent.detail.object.key : '';
  // The catalog registers the run's raw partition once the raw table exists (the first crawl makes it).
  const catalog = new GlueCatalog(glue, { crawlers: names.crawlers, databases: zoneDatabasesFromEnv() });
  return ingest(
    { key },
    {
      raw: zoneStore('raw', s3, names),
      catalog,
      ledger: ledgerFromEnv(s3),
      clock: systemClock,
      logger,
      settings: readIngestSettings(),
    },
  );
});
