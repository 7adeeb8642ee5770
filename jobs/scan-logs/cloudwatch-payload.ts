/**
 * Decodes the payload CloudWatch Logs hands a subscription-filter Lambda:
 * `{ "awslogs": { "data": base64(gzip(JSON)) } }`, where the JSON is
 * `{ messageType, owner, logGroup, logStream, subscriptionFilters, logEvents: [{ id, timestamp, message }] }`
 * (CloudWatch Logs user guide, "Subscription filters with AWS Lambda").
 * `CONTROL_MESSAGE` payloads (sent to check the destination is reachable) carry no log events we scan.
 *
 * The decoding and the payload's shape are the Powertools parser's: its
 * `Base64Encoded` helper (base64, then gunzip, then JSON) piped into its
 * `CloudWatchLogsDecodeSchema`. That is what its `CloudWatchLogsSchema` does,
 * except that the latter reports every problem as "Failed to decompress", where
 * this keeps "not gzip JSON" apart from "JSON of the wrong shape" (with the field).
 */
import { gzipSync } from 'node:zlib';
import { Base64Encoded } from '@aws-lambda-powertools/parser/helpers';
import { CloudWatchLogsDecodeSchema } from '@aws-lambda-powertools/parser/schemas/cloudwatch';
import { z } from 'zod';
import { TerminalError } from '../lib/core/errors';
import type { LogRecord } from './scan-logs';

/** A decoded subscription payload. */
export type CloudWatchLogsPayload = z.infer<typeof CloudWatchLogsDecodeSchema>;

/** The subscription event with `data` decoded and checked. */
const subscriptionEventSchema = z.object({ awslogs: z.object({ data: Base64Encoded(CloudWatchLogsDecodeSchema) }) });

/** True when `event` looks like a CloudWatch Logs subscription event (has a string `awslogs.data`). */
export function isCloudWatchLogsEvent(event: unknown): event is { awslogs: { data: string } } {
  const awslogs = (event as { awslogs?: { data?: unknown } } | null)?.awslogs;
  return typeof awslogs?.data === 'string' && awslogs.data.length > 0;
}

const NOT_GZIP_JSON = 'CloudWatch Logs payload is not base64-encoded gzip JSON';

/**
 * Decodes a subscription event into log records (timestamp in ms since the
 * epoch, UTC; the log group and stream on every record). Returns [] for a
 * CONTROL_MESSAGE. Throws TerminalError when the event, the base64/gzip
 * encoding or the JSON inside does not have the documented shape.
 */
export function decodeCloudWatchLogs(event: unknown): LogRecord[] {
  if (!isCloudWatchLogsEvent(event))
    throw new TerminalError('not a CloudWatch Logs subscription event: expected { awslogs: { data } }');
  let parsed: ReturnType<typeof subscriptionEventSchema.safeParse>;
  try {
    parsed = subscriptionEventSchema.safeParse(event);
  } catch (error) {
    // Powertools' base64 decoder throws (rather than reporting an issue) on malformed base64.
    throw new TerminalError(NOT_GZIP_JSON, { cause: error });
  }
  if (!parsed.success) {
    // `data` that is not gzip JSON reaches the payload schema as the decoded string: an issue at `data` itself.
    const inside = parsed.error.issues.filter((i) => i.path.length > 2);
    if (!inside.length) throw new TerminalError(NOT_GZIP_JSON, { cause: parsed.error });
    const problems = inside.map((i) => `${i.path.slice(2).join('.')}: ${i.message}`);
    throw new TerminalError(`bad CloudWatch Logs payload: ${problems.join('; ')}`, { cause: parsed.error });
  }
  const p = parsed.data.awslogs.data;
  if (p.messageType === 'CONTROL_MESSAGE') return [];
  return p.logEvents.map((e) => ({ timestamp: e.timestamp, message: e.message, logGroup: p.logGroup, logStream: p.logStream }));
}

/** Encodes a payload the way CloudWatch Logs does (gzip, then base64): for tests and local replays. */
export function encodeCloudWatchLogs(payload: CloudWatchLogsPayload): { awslogs: { data: string } } {
  return { awslogs: { data: gzipSync(Buffer.from(JSON.stringify(payload))).toString('base64') } };
}
