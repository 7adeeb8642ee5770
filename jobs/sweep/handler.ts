/**
 * Lambda: sweep. Started by the sweep schedule; re-emits the event each run
 * stuck longer than LAKEHOUSE_SWEEP_THRESHOLD (default 30m) waits for.
 * Error policy: handler-kit.ts.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { ENV } from '../lib/definition/lambda-environment';
import { deployedNamesFromEnv } from '../lib/runtimes/lambda/environment';
import { routeFor, toPipelineEvent } from '../lib/runtimes/lambda/event-schemas';
import { EventBridgePublisher } from '../lib/adapters/aws/eventbridge-publisher';
import { ledgerFromEnv } from '../lib/runtimes/lambda/from-env';
import { clientConfig, lambdaHandler, systemClock } from '../lib/runtimes/lambda/handler-kit';
import { parseDuration } from '../lib/core/duration';
import { lambdaLogger } from '../lib/adapters/powertools/lambda-logger';
import { sweep } from './sweep';

const s3 = new S3Client(clientConfig());
const eventBridge = new EventBridgeClient(clientConfig());
/** The function's logger (exported for tests: its level, its lines). */
export const logger = lambdaLogger('sweep');

/** Event: the Scheduler's `{ source: 'aws.scheduler', 'detail-type': 'Scheduled Tick', detail: { step: 'sweep' } }`. */
export const handler = lambdaHandler('sweep', logger, async (event) => {
  const names = deployedNamesFromEnv();
  routeFor(toPipelineEvent(event, names), 'sweep');
  const thresholdMs = parseDuration(process.env[ENV.sweepThreshold] || '30m', { name: ENV.sweepThreshold });
  const events = new EventBridgePublisher(eventBridge, names.eventBusName);
  return sweep({ thresholdMs }, { ledger: ledgerFromEnv(s3), events, clock: systemClock, logger });
});
