/**
 * EventBridge event patterns for the pipeline's routes: the single shared
 * definition of "which AWS event starts which step". The cdktf pipeline stack
 * deploys these patterns as EventBridge rules (and the scheduler routes as
 * EventBridge Scheduler schedules whose input is `scheduledTick`); the AWS
 * event schemas and the stack tests read the same functions, so the rules
 * deployed, the events the handlers accept and the routes the local bus
 * applies (`routeMatches` in routes.ts) cannot drift apart.
 *
 * Pure data in, data out: no SDK and no cdktf imports.
 *
 * Sources of the event shapes: the AWS documentation's example events for
 * "Object Created" (S3 → EventBridge notifications), "Glue Crawler State
 * Change" and "Athena Query State Change"; pattern syntax per the EventBridge
 * user guide (exact values, `prefix`, `suffix`, `wildcard`).
 */
import { DETAIL_TYPES, EVENT_SOURCES, type PipelineEvent } from './events';
import type { Route } from './routes';
import type { ScheduledStep } from './run-stages';
import { ZONES, type Zone } from './zones';

/** The deployed names a route's pattern depends on (from the stack config, or a Lambda's environment). */
export interface DeployedNames {
  /** S3 bucket name of each zone. */
  buckets: Record<Zone, string>;
  /** Glue crawler name of each zone. */
  crawlers: Record<Zone, string>;
  /** Name of the custom event bus that carries our own events (`ZoneWritten`). */
  eventBusName: string;
  /** Athena workgroup the transforms run in (used by the query-failure alert pattern). */
  athenaWorkgroup: string;
}

/** The bus AWS services publish to (S3, Glue, Athena events). */
export const DEFAULT_EVENT_BUS = 'default';

/** One matcher in a pattern's value list (EventBridge content filtering, the subset used here). */
export type PatternMatcher = string | { prefix: string } | { suffix: string } | { wildcard: string };

/** A pattern object: each field holds either a list of matchers (any may match) or a nested pattern object. */
export interface PatternObject {
  [field: string]: PatternMatcher[] | PatternObject;
}

/** An EventBridge event pattern as the rule's `event_pattern` JSON holds it. */
export interface EventPattern extends PatternObject {
  source: string[];
  'detail-type': string[];
}

/** What triggers a route on AWS: an EventBridge rule on a bus, or a Scheduler schedule with a fixed input. */
export type RouteTrigger =
  | { kind: 'rule'; route: Route; eventBusName: string; pattern: EventPattern }
  | { kind: 'schedule'; route: Route; scheduleStep: ScheduledStep; input: PipelineEvent };

/** A Scheduler tick event for `step`, exactly the input the schedule passes to the Lambda. */
export function scheduledTick(step: ScheduledStep): PipelineEvent {
  return { source: EVENT_SOURCES.scheduler, 'detail-type': DETAIL_TYPES.scheduledTick, detail: { step } };
}

/** Escapes `*` and `\` for use inside an EventBridge `wildcard` matcher. */
function escapeWildcard(text: string): string {
  return text.replace(/[\\*]/g, (c) => `\\${c}`);
}

/** The key matcher of an S3 route: prefix, suffix, or both as one wildcard (`<prefix>*<suffix>`). */
function keyMatcher(prefix: string | undefined, suffix: string | undefined): PatternMatcher[] | undefined {
  if (prefix && suffix) return [{ wildcard: `${escapeWildcard(prefix)}*${escapeWildcard(suffix)}` }];
  if (prefix) return [{ prefix }];
  if (suffix) return [{ suffix }];
  return undefined;
}

/** Requires `route.on.zone`; throws a plain Error naming the route when absent (a definition bug). */
function zoneOf(route: Route): Zone {
  if (!route.on.zone) throw new Error(`route ${route.name}: ${route.on.source} routes need a zone`);
  return route.on.zone;
}

/**
 * The EventBridge pattern of a non-scheduler route, given the deployed names.
 * - S3 `Object Created`: the zone's bucket name, plus the key prefix/suffix.
 * - Glue `Glue Crawler State Change`: the zone's crawler name and the state.
 * - `ZoneWritten` (source `lakehouse`): the zone, as our events carry it in `detail.zone`.
 * Throws Error for scheduler routes (they are schedules, see `routeTrigger`) and
 * for routes missing the zone their source needs.
 */
export function eventPattern(route: Route, names: DeployedNames): EventPattern {
  const on = route.on;
  const base = { source: [on.source], 'detail-type': [on.detailType] };
  switch (on.source) {
    case EVENT_SOURCES.s3: {
      const key = keyMatcher(on.keyPrefix, on.keySuffix);
      return {
        ...base,
        detail: {
          bucket: { name: [names.buckets[zoneOf(route)]] },
          ...(key ? { object: { key } } : {}),
        },
      };
    }
    case EVENT_SOURCES.glue:
      return {
        ...base,
        detail: {
          crawlerName: [names.crawlers[zoneOf(route)]],
          ...(on.state ? { state: [on.state] } : {}),
        },
      };
    case EVENT_SOURCES.lakehouse:
      return { ...base, detail: { zone: [zoneOf(route)] } };
    case EVENT_SOURCES.scheduler:
      throw new Error(`route ${route.name} is a schedule, not an event rule`);
  }
}

/** The bus a route's events arrive on: our custom bus for `lakehouse` events, the default bus for AWS services. */
export function eventBusFor(route: Route, names: DeployedNames): string {
  return route.on.source === EVENT_SOURCES.lakehouse ? names.eventBusName : DEFAULT_EVENT_BUS;
}

/**
 * How a route is triggered on AWS: scheduler routes become a schedule whose
 * input is `scheduledTick(step)`; every other route becomes a rule with
 * `eventPattern(route, names)` on `eventBusFor(route, names)`.
 * Throws Error when a scheduler route names no step.
 */
export function routeTrigger(route: Route, names: DeployedNames): RouteTrigger {
  if (route.on.source === EVENT_SOURCES.scheduler) {
    const step = route.on.step;
    if (!step) throw new Error(`route ${route.name}: scheduler routes need on.step`);
    return { kind: 'schedule', route, scheduleStep: step, input: scheduledTick(step) };
  }
  return { kind: 'rule', route, eventBusName: eventBusFor(route, names), pattern: eventPattern(route, names) };
}

/**
 * Patterns of the failure alerts delivered to the alert topic: any zone
 * crawler reaching `Failed` (on the default bus). Failed Athena queries are
 * not alerted here: the transform retries or reports them itself.
 */
export function alertPatterns(names: DeployedNames): { crawlerFailed: EventPattern } {
  return {
    crawlerFailed: {
      source: [EVENT_SOURCES.glue],
      'detail-type': [DETAIL_TYPES.crawlerStateChange],
      detail: { crawlerName: ZONES.map((z) => names.crawlers[z]), state: ['Failed'] },
    },
  };
}

/** The zone whose bucket is `bucket`, or undefined when it is none of the zone buckets. */
export function zoneOfBucket(names: DeployedNames, bucket: string): Zone | undefined {
  return ZONES.find((z) => names.buckets[z] === bucket);
}

/** The zone whose crawler is `crawlerName`, or undefined when it is none of the zone crawlers. */
export function zoneOfCrawler(names: DeployedNames, crawlerName: string): Zone | undefined {
  return ZONES.find((z) => names.crawlers[z] === crawlerName);
}
