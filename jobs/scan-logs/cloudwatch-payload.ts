/**
 * Decodes the payload CloudWatch Logs hands a subscription-filter Lambda:
 * `{ "awslogs": { "data": base64(gzip(JSON)) } }`, where the JSON is
 * `{ messageType, owner, logGroup, logStream, subscriptionFilters, logEvents: [{ id, timestamp, message }] }`
 * (CloudWatch Logs user guide, "Subscription filters with AWS Lambda").
 * `CONTROL_MESSAGE` payloads (sent to check the destination is reachable) carry no log events.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { TerminalError } from '../lib/core/errors';
import type { LogRecord } from './scan-logs';

/** The Lambda event of a CloudWatch Logs subscription. */
export const cloudWatchLogsEventSchema = z.object({ awslogs: z.object({ data: z.string().min(1) }) });

/** The decoded payload. */
export const cloudWatchLogsPayloadSchema = z.looseObject({
  messageType: z.enum(['DATA_MESSAGE', 'CONTROL_MESSAGE']),
  owner: z.string(),
  logGroup: z.string(),
  logStream: z.string(),
  subscriptionFilters: z.array(z.string()),
  logEvents: z.array(z.object({ id: z.string(), timestamp: z.number(), message: z.string() })),
});
/** A decoded subscription payload. */
export type CloudWatchLogsPayload = z.infer<typeof cloudWatchLogsPayloadSchema>;

/** True when `event` looks like a CloudWatch Logs subscription event (has `awslogs.data`). */
export function isCloudWatchLogsEvent(event: unknown): boolean {
  return cloudWatchLogsEventSchema.safeParse(event).success;
}

/**
 * Decodes a subscription event into log records (timestamp in ms since the
 * epoch, UTC; the log group and stream on every record). Returns [] for a
 * CONTROL_MESSAGE. Throws TerminalError when the event, the base64/gzip
 * encoding or the JSON inside does not have the documented shape.
 */
export function decodeCloudWatchLogs(event: unknown): LogRecord[] {
  const parsed = cloudWatchLogsEventSchema.safeParse(event);
  if (!parsed.success) throw new TerminalError('not a CloudWatch Logs subscription event: expected { awslogs: { data } }');
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(Buffer.from(parsed.data.awslogs.data, 'base64')).toString('utf8'));
  } catch (error) {
    throw new TerminalError('CloudWatch Logs payload is not base64-encoded gzip JSON', { cause: error });
  }
  const payload = cloudWatchLogsPayloadSchema.safeParse(json);
  if (!payload.success) {
    const problems = payload.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
    throw new TerminalError(`bad CloudWatch Logs payload: ${problems.join('; ')}`, { cause: payload.error });
  }
  const p = payload.data;
  if (p.messageType === 'CONTROL_MESSAGE') return [];
  return p.logEvents.map((e) => ({ timestamp: e.timestamp, message: e.message, logGroup: p.logGroup, logStream: p.logStream }));
}

/** Encodes a payload the way CloudWatch Logs does (gzip, then base64): for tests and local replays. */
export function encodeCloudWatchLogs(payload: CloudWatchLogsPayload): { awslogs: { data: string } } {
  return { awslogs: { data: gzipSync(Buffer.from(JSON.stringify(payload))).toString('base64') } };
}
