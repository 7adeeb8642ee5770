/**
 * Lambda: sweep. Started by the sweep schedule; re-emits the event each run
 * stuck longer than LAKEHOUSE_SWEEP_THRESHOLD (default 30m) waits for.
 * Error policy: handler-kit.ts.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { ENV, deployedNamesFromEnv } from '../lib/aws/env-names';
import { routeFor, toPipelineEvent } from '../lib/aws/event-schemas';
import { EventBridgePublisher } from '../lib/aws/eventbridge-publisher';
import { ledgerFromEnv } from '../lib/aws/from-env';
import { clientConfig, runStep, systemClock } from '../lib/aws/handler-kit';
import { parseDuration } from '../lib/local/settings';
import { lambdaLogger } from '../lib/logger';
import { sweep } from './sweep';

const s3 = new S3Client(clientConfig());
const eventBridge = new EventBridgeClient(clientConfig());
const logger = lambdaLogger('sweep');

/** Event: the Scheduler's `{ source: 'aws.scheduler', 'detail-type': 'Scheduled Tick', detail: { step: 'sweep' } }`. */
export const handler = (event: unknown) =>
  runStep('sweep', logger, async () => {
    const names = deployedNamesFromEnv();
    routeFor(toPipelineEvent(event, names), 'sweep');
    const thresholdMs = parseDuration(process.env[ENV.sweepThreshold] || '30m');
    const events = new EventBridgePublisher(eventBridge, names.eventBusName);
    return sweep({ thresholdMs }, { ledger: ledgerFromEnv(s3), events, clock: systemClock, logger });
  });
