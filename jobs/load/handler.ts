/**
 * Lambda: load. Started by "Glue Crawler State Change" Succeeded of the
 * transformed crawler (crawler mode) or by `ZoneWritten` transformed (direct
 * mode); loads the oldest waiting run into Redshift through the
 * Data API (one session per run: staging in calls of at most 40 statements,
 * then one transaction) and announces the transformed zone again for any run
 * still waiting. Error policy: handler-kit.ts.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { join } from 'node:path';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { S3Client } from '@aws-sdk/client-s3';
import { ENV } from '../lib/definition/lambda-environment';
import { deployedNamesFromEnv, requireEnv } from '../lib/runtimes/lambda/environment';
import { routeFor, toPipelineEvent } from '../lib/runtimes/lambda/event-schemas';
import { ledgerFromEnv, zoneStore } from '../lib/runtimes/lambda/from-env';
import { clientConfig, lambdaHandler, systemClock } from '../lib/runtimes/lambda/handler-kit';
import { EventBridgePublisher } from '../lib/adapters/aws/eventbridge-publisher';
import { RedshiftWarehouse } from '../lib/adapters/aws/redshift-warehouse';
import { lambdaLogger } from '../lib/adapters/powertools/lambda-logger';
import { sqlDir } from '../lib/core/sql/models';
import { load } from './load';

const redshift = new RedshiftDataClient(clientConfig());
const s3 = new S3Client(clientConfig());
const eventBridge = new EventBridgeClient(clientConfig());
/** The function's logger (exported for tests: its level, its lines). */
export const logger = lambdaLogger('load');

/** Event: Glue Crawler State Change (Succeeded) for the transformed crawler. */
export const handler = lambdaHandler('load', logger, async (event) => {
  const names = deployedNamesFromEnv();
  routeFor(toPipelineEvent(event, names), 'load');
  const transformed = zoneStore('transformed', s3, names);
  const warehouse = new RedshiftWarehouse(redshift, {
    target: {
      workgroupName: requireEnv(ENV.redshiftWorkgroup),
      database: requireEnv(ENV.redshiftDatabase),
      secretArn: process.env[ENV.redshiftSecretArn] || undefined,
    },
    iamRoleArn: requireEnv(ENV.redshiftCopyRoleArn),
    transformedUri: (key) => transformed.uri(key),
    ddlDir: join(sqlDir(), 'warehouse'),
  });
  const events = new EventBridgePublisher(eventBridge, names.eventBusName);
  // One run per invocation (the rest are announced again): bounded by one run's load, not the backlog.
  return load({ maxRuns: 1 }, { warehouse, transformed, events, ledger: ledgerFromEnv(s3), clock: systemClock, logger });
});
