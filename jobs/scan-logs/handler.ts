/**
 * Lambda: scan-logs. Subscribed to every job's CloudWatch log group (never to
 * its own); also accepts a Glue crawler "Failed" or Athena query "FAILED"
 * event. Sends one SNS alert per batch with errors. Error policy: handler-kit.ts.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { TerminalError } from '../lib/core/errors';
import { ENV } from '../lib/definition/lambda-environment';
import { requireEnv } from '../lib/runtimes/lambda/environment';
import { serviceFailureRecord } from '../lib/runtimes/lambda/event-schemas';
import { clientConfig, lambdaHandler } from '../lib/runtimes/lambda/handler-kit';
import { SnsNotifier } from '../lib/adapters/aws/sns-notifier';
import { lambdaLogger } from '../lib/adapters/powertools/lambda-logger';
import { decodeCloudWatchLogs, isCloudWatchLogsEvent } from './cloudwatch-payload';
import { scanLogs, type LogRecord } from './scan-logs';

const sns = new SNSClient(clientConfig());
/** The function's logger (exported for tests: its level, its lines). */
export const logger = lambdaLogger('scan-logs');

/** The one record of a Glue / Athena failure event; TerminalError for any other event. */
function serviceFailure(event: unknown): LogRecord {
  const failure = serviceFailureRecord(event);
  if (!failure) throw new TerminalError('scan-logs takes a CloudWatch Logs subscription event or a Glue/Athena failure event');
  return failure;
}

/** Event: a CloudWatch Logs subscription batch (`{ awslogs: { data } }`), or a Glue / Athena failure event. */
export const handler = lambdaHandler('scan-logs', logger, async (event) => {
  const records = isCloudWatchLogsEvent(event) ? decodeCloudWatchLogs(event) : [serviceFailure(event)];
  const notifier = new SnsNotifier(sns, requireEnv(ENV.alertTopicArn));
  return scanLogs({ records, region: process.env.AWS_REGION }, { notifier, logger });
});
