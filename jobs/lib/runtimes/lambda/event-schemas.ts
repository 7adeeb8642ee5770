/**
 * Schemas of the events the Lambda handlers receive, as AWS delivers them,
 * and their mapping to our PipelineEvent (definition/events.ts).
 *
 * The envelopes are the Powertools parser's built-in zod schemas
 * (`@aws-lambda-powertools/parser/schemas/*`, zod 4 like ours):
 * `EventBridgeSchema` for the EventBridge envelope and
 * `S3EventNotificationEventBridgeSchema` for S3 "Object Created" through
 * EventBridge. Each is extended with the `source` / `detail-type` our rules
 * match and, where Powertools has no schema for the detail, with ours: "Glue
 * Crawler State Change" (AWS Glue developer guide, "Automating AWS Glue with
 * EventBridge"), "Athena Query State Change" (Athena user guide, "Monitoring
 * Athena queries with EventBridge events") and our `ZoneWritten`. Sources and
 * detail-types come from EVENT_SOURCES / DETAIL_TYPES in definition/events.ts, the
 * same constants the EventBridge rules are built from (event-patterns.ts), so
 * the schemas accept exactly what the rules let through. Unknown extra fields
 * are allowed (AWS adds fields over time) and dropped from the parsed value;
 * missing or mistyped fields are not allowed.
 */
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { S3EventNotificationEventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/s3';
import { z } from 'zod';
import { TerminalError } from '../../core/errors';
import { zoneOfBucket, zoneOfCrawler, type DeployedNames } from '../../definition/event-patterns';
import { DETAIL_TYPES, EVENT_SOURCES, type PipelineEvent } from '../../definition/events';
import { ROUTES, routeMatches, type Route } from '../../definition/routes';
import { ZONES } from '../../definition/zones';
import { SCHEDULED_STEPS, type Step } from '../../definition/run-stages';
import { isRunId } from '../../core/run-id';

/** S3 "Object Created" delivered through EventBridge (Powertools' schema, narrowed to the source and detail-type). */
export const s3ObjectCreatedSchema = S3EventNotificationEventBridgeSchema.extend({
  source: z.literal(EVENT_SOURCES.s3),
  'detail-type': z.literal(DETAIL_TYPES.objectCreated),
});
/** A parsed S3 "Object Created" event. */
export type S3ObjectCreatedEvent = z.infer<typeof s3ObjectCreatedSchema>;

/** Glue "Glue Crawler State Change" (states Started, Succeeded, Failed; counts arrive as strings). */
export const glueCrawlerStateChangeSchema = EventBridgeSchema.extend({
  source: z.literal(EVENT_SOURCES.glue),
  'detail-type': z.literal(DETAIL_TYPES.crawlerStateChange),
  detail: z.object({
    crawlerName: z.string().min(1),
    state: z.enum(['Started', 'Succeeded', 'Failed']),
    message: z.string().optional(),
    errorMessage: z.string().optional(),
    cloudWatchLogLink: z.string().optional(),
  }),
});
/** A parsed "Glue Crawler State Change" event. */
export type GlueCrawlerStateChangeEvent = z.infer<typeof glueCrawlerStateChangeSchema>;

/** Athena "Athena Query State Change". */
export const athenaQueryStateChangeSchema = EventBridgeSchema.extend({
  source: z.literal(EVENT_SOURCES.athena),
  'detail-type': z.literal(DETAIL_TYPES.athenaQueryStateChange),
  detail: z.object({
    currentState: z.enum(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']),
    previousState: z.string().optional(),
    queryExecutionId: z.string().min(1),
    workgroupName: z.string().min(1),
    statementType: z.string().optional(),
    sequenceNumber: z.string().optional(),
  }),
});
/** A parsed "Athena Query State Change" event. */
export type AthenaQueryStateChangeEvent = z.infer<typeof athenaQueryStateChangeSchema>;

/**
 * The Scheduler's tick: the schedule's fixed input, `scheduledTick(step)` of
 * event-patterns.ts. No envelope, so no Powertools schema applies:
 * EventBridge Scheduler passes a target's input to Lambda as is.
 */
export const scheduledTickSchema = z.object({
  source: z.literal(EVENT_SOURCES.scheduler),
  'detail-type': z.literal(DETAIL_TYPES.scheduledTick),
  detail: z.object({ step: z.enum(SCHEDULED_STEPS) }),
});

/** Our `ZoneWritten` as EventBridge delivers it (envelope added by PutEvents). */
export const zoneWrittenSchema = EventBridgeSchema.extend({
  source: z.literal(EVENT_SOURCES.lakehouse),
  'detail-type': z.literal(DETAIL_TYPES.zoneWritten),
  detail: z.object({
    zone: z.enum(ZONES),
    runs: z.array(z.string().refine(isRunId, 'not a run id')).min(1),
  }),
});

/**
 * Parses `event` with `schema`; on a mismatch throws TerminalError (a retry
 * cannot fix a malformed event) naming `what` and each problem with its path,
 * e.g. `bad Glue Crawler State Change event: detail.state: Invalid option …`.
 */
export function parseEvent<T extends z.ZodType>(schema: T, event: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(event);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`);
  throw new TerminalError(`bad ${what} event: ${problems.join('; ')}`, { cause: parsed.error });
}

/** The `source` / `detail-type` of anything event-shaped, for messages. */
function describe(event: unknown): string {
  const e = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  return `source ${JSON.stringify(e.source)}, detail-type ${JSON.stringify(e['detail-type'])}`;
}

/**
 * Parses an event as AWS delivers it to a pipeline handler and maps it to our
 * PipelineEvent, taking the zone from the bucket name (S3) or crawler name
 * (Glue) via the deployed names.
 *
 * @throws TerminalError when the event matches none of the schemas, fails its
 *   schema, names a bucket or crawler that is not a zone's, or is a crawler
 *   `Started` event (no route acts on it).
 */
export function toPipelineEvent(event: unknown, names: DeployedNames): PipelineEvent {
  const e = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  switch (e.source) {
    case EVENT_SOURCES.s3: {
      const s3 = parseEvent(s3ObjectCreatedSchema, event, DETAIL_TYPES.objectCreated);
      const zone = zoneOfBucket(names, s3.detail.bucket.name);
      if (!zone) throw new TerminalError(`S3 event from bucket ${s3.detail.bucket.name}, which is none of the zone buckets`);
      return {
        source: 'aws.s3',
        'detail-type': 'Object Created',
        detail: {
          bucket: { name: s3.detail.bucket.name },
          object: { key: s3.detail.object.key, size: s3.detail.object.size },
          zone,
        },
      };
    }
    case EVENT_SOURCES.glue: {
      const glue = parseEvent(glueCrawlerStateChangeSchema, event, DETAIL_TYPES.crawlerStateChange);
      const zone = zoneOfCrawler(names, glue.detail.crawlerName);
      if (!zone) throw new TerminalError(`Glue event for crawler ${glue.detail.crawlerName}, which is none of the zone crawlers`);
      if (glue.detail.state === 'Started')
        throw new TerminalError(`Glue crawler ${glue.detail.crawlerName} Started: no step acts on this state`);
      return {
        source: 'aws.glue',
        'detail-type': 'Glue Crawler State Change',
        detail: {
          crawlerName: glue.detail.crawlerName,
          state: glue.detail.state,
          zone,
          ...(glue.detail.errorMessage ? { errorMessage: glue.detail.errorMessage } : {}),
        },
      };
    }
    case EVENT_SOURCES.scheduler: {
      const tick = parseEvent(scheduledTickSchema, event, DETAIL_TYPES.scheduledTick);
      return { source: 'aws.scheduler', 'detail-type': 'Scheduled Tick', detail: { step: tick.detail.step } };
    }
    case EVENT_SOURCES.lakehouse: {
      const written = parseEvent(zoneWrittenSchema, event, DETAIL_TYPES.zoneWritten);
      return {
        source: 'lakehouse',
        'detail-type': 'ZoneWritten',
        detail: { zone: written.detail.zone, runs: written.detail.runs },
      };
    }
    default:
      throw new TerminalError(`not a pipeline event (${describe(event)})`);
  }
}

/**
 * The route (definition/routes.ts ROUTES) by which `event` starts `step`; its `input`
 * is the step's input (zone to crawl, zone to transform into). Looked up among
 * the routes of every chain mode: the Lambda does not need to know the mode,
 * since only the deployed mode's rules deliver events to it, and no event
 * starts one step by two routes across the modes.
 * Throws TerminalError when no route sends this event to `step` (the rule
 * that delivered it does not match the pipeline definition).
 */
export function routeFor(event: PipelineEvent, step: Step): Route {
  const route = ROUTES.find((r) => r.step === step && routeMatches(r, event));
  if (!route) {
    const known = ROUTES.filter((r) => r.step === step).map((r) => r.name);
    throw new TerminalError(
      `${event['detail-type']} event (${describe(event)}) starts no ${step} route; ${step} routes: ${known.join(', ')}`,
    );
  }
  return route;
}

/** A service failure reported as an event (a crawler Failed, an Athena query FAILED), as a log line scan-logs can alert on. */
export interface ServiceFailureRecord {
  timestamp: number;
  message: string;
  logGroup?: string;
  logStream?: string;
}

/**
 * Turns a "Glue Crawler State Change" with state Failed, or an "Athena Query
 * State Change" with currentState FAILED, into an ERROR log line in the
 * Powertools shape (`service` = the step that owns the resource: crawl for
 * crawlers, transform for Athena queries), so scan-logs alerts on it the same
 * way as on a job's own error. A crawler's record points at its CloudWatch log
 * stream (`/aws-glue/crawlers`, stream = crawler name).
 *
 * @returns the record, or undefined when the event is not such a failure
 *   (another state, or not a Glue/Athena event)
 * @throws TerminalError when a Glue or Athena event does not match its schema
 */
export function serviceFailureRecord(event: unknown): ServiceFailureRecord | undefined {
  const e = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  if (e.source === EVENT_SOURCES.glue) {
    const glue = parseEvent(glueCrawlerStateChangeSchema, event, DETAIL_TYPES.crawlerStateChange);
    if (glue.detail.state !== 'Failed') return undefined;
    const line = {
      level: 'ERROR',
      service: 'crawl',
      message: `Glue crawler ${glue.detail.crawlerName} failed`,
      error: glue.detail.errorMessage ?? glue.detail.message ?? 'no error message in the event',
    };
    return {
      timestamp: Date.parse(glue.time),
      message: JSON.stringify(line),
      logGroup: '/aws-glue/crawlers',
      logStream: glue.detail.crawlerName,
    };
  }
  if (e.source === EVENT_SOURCES.athena) {
    const athena = parseEvent(athenaQueryStateChangeSchema, event, DETAIL_TYPES.athenaQueryStateChange);
    if (athena.detail.currentState !== 'FAILED') return undefined;
    const line = {
      level: 'ERROR',
      service: 'transform',
      message: `Athena query ${athena.detail.queryExecutionId} failed in workgroup ${athena.detail.workgroupName}`,
      error: `${athena.detail.statementType ?? 'query'} FAILED (reason: Athena console, Query history, or GetQueryExecution)`,
    };
    return { timestamp: Date.parse(athena.time), message: JSON.stringify(line) };
  }
  return undefined;
}
