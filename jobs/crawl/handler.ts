/**
 * Lambda: crawl. Started by a manifest's "Object Created" in the raw bucket or
 * by `ZoneWritten` (raw from the sweep; cleaned and transformed in crawler
 * mode only); starts that zone's Glue crawler.
 * Error policy: handler-kit.ts (transient → rethrow; terminal → log, return failed).
 */
import { GlueClient } from '@aws-sdk/client-glue';
import { deployedNamesFromEnv } from '../lib/runtimes/lambda/environment';
import { routeFor, toPipelineEvent } from '../lib/runtimes/lambda/event-schemas';
import { GlueCatalog } from '../lib/adapters/aws/glue-catalog';
import { clientConfig, lambdaHandler } from '../lib/runtimes/lambda/handler-kit';
import { lambdaLogger } from '../lib/adapters/powertools/lambda-logger';
import { crawl } from './crawl';

const glue = new GlueClient(clientConfig());
/** The function's logger (exported for tests: its level, its lines). */
export const logger = lambdaLogger('crawl');

/** Event: S3 Object Created (raw `_manifests/*.json`) or ZoneWritten, as EventBridge delivers them. */
export const handler = lambdaHandler('crawl', logger, async (event) => {
  const names = deployedNamesFromEnv();
  const route = routeFor(toPipelineEvent(event, names), 'crawl');
  const catalog = new GlueCatalog(glue, { crawlers: names.crawlers });
  return crawl({ zone: route.input.zone! }, { catalog, logger });
});
