/**
 * The event routes that chain the steps: which event starts which step.
 * Read by the local bus, the Lambda handlers and the cdktf stacks alike, so
 * every runtime applies the same routes.
 *
 * Two chain modes (docs/architecture.md "Chain modes") share most routes:
 * - `crawler`: a zone's crawler succeeding starts the next step (write →
 *   crawl → next step), for every zone.
 * - `direct`: the writer's `ZoneWritten` starts the next step at once (the
 *   transform registers the partitions it writes); only the raw zone still
 *   goes through its crawler, whose crawl infers the raw JSON schema. The
 *   cleaned and transformed crawlers then run on a schedule, for schema
 *   discovery only.
 */
import { LANDING_PREFIX, MANIFEST_PREFIX } from './object-keys';
import { eventZone, type PipelineEvent } from './events';
import type { ScheduledStep, Step } from './run-stages';
import type { Zone } from './zones';

/** How the steps are chained: through the zone crawlers, or straight from the writer's event. */
export type ChainMode = 'crawler' | 'direct';

/** Every chain mode, the default first. */
export const CHAIN_MODES = ['crawler', 'direct'] as const satisfies readonly ChainMode[];

/** The chain mode when none is configured. */
export const DEFAULT_CHAIN_MODE: ChainMode = 'crawler';

/** True when `value` names a chain mode. */
export function isChainMode(value: string): value is ChainMode {
  return (CHAIN_MODES as readonly string[]).includes(value);
}

/** A route: which events start which step, and with what input. */
export interface Route {
  /** Stable name (also the EventBridge rule name suffix). */
  name: string;
  /** What the event must look like. */
  on: {
    source: PipelineEvent['source'];
    detailType: PipelineEvent['detail-type'];
    /** Zone the event concerns (S3 bucket, crawler, custom event). */
    zone?: Zone;
    /** S3 only: object keys must start with this prefix. */
    keyPrefix?: string;
    /** S3 only: object keys must end with this suffix. */
    keySuffix?: string;
    /** Glue only: crawler state. */
    state?: 'Succeeded' | 'Failed';
    /** Scheduler only: which schedule. */
    step?: ScheduledStep;
  };
  /** The step the route starts. */
  step: Step;
  /** Static input for the step (e.g. which zone a crawl or transform targets). */
  input: { zone?: Zone; target?: 'cleaned' | 'transformed' };
  /** The chain modes the route belongs to; absent: every mode. */
  modes?: readonly ChainMode[];
}

/**
 * Every route of every chain mode. The stacks deploy, and the local bus
 * applies, the routes of one mode (`chainRoutes`); the Lambda handlers look
 * their own route up among all of them (no event starts one step by two
 * routes, whatever the mode: test/unit/pipeline-routes.test.ts).
 */
export const ROUTES: Route[] = [
  {
    name: 'schedule-extract',
    on: { source: 'aws.scheduler', detailType: 'Scheduled Tick', step: 'extract' },
    step: 'extract',
    input: {},
  },
  {
    name: 'landing-ingest',
    on: { source: 'aws.s3', detailType: 'Object Created', zone: 'raw', keyPrefix: LANDING_PREFIX },
    step: 'ingest',
    input: {},
  },
  {
    name: 'manifest-crawl-raw',
    on: { source: 'aws.s3', detailType: 'Object Created', zone: 'raw', keyPrefix: MANIFEST_PREFIX, keySuffix: '.json' },
    step: 'crawl',
    input: { zone: 'raw' },
  },
  {
    // The stuck-run sweep's nudge for runs waiting at `extracted` (jobs/sweep/sweep.ts):
    // EventBridge does not let us re-publish an aws.s3 "Object Created", so the sweep says "raw written".
    name: 'raw-written-crawl',
    on: { source: 'lakehouse', detailType: 'ZoneWritten', zone: 'raw' },
    step: 'crawl',
    input: { zone: 'raw' },
  },
  {
    name: 'raw-crawled-transform-cleaned',
    on: { source: 'aws.glue', detailType: 'Glue Crawler State Change', zone: 'raw', state: 'Succeeded' },
    step: 'transform',
    input: { target: 'cleaned' },
  },
  {
    name: 'cleaned-written-crawl',
    on: { source: 'lakehouse', detailType: 'ZoneWritten', zone: 'cleaned' },
    step: 'crawl',
    input: { zone: 'cleaned' },
    modes: ['crawler'],
  },
  {
    name: 'cleaned-crawled-transform-transformed',
    on: { source: 'aws.glue', detailType: 'Glue Crawler State Change', zone: 'cleaned', state: 'Succeeded' },
    step: 'transform',
    input: { target: 'transformed' },
    modes: ['crawler'],
  },
  {
    name: 'transformed-written-crawl',
    on: { source: 'lakehouse', detailType: 'ZoneWritten', zone: 'transformed' },
    step: 'crawl',
    input: { zone: 'transformed' },
    modes: ['crawler'],
  },
  {
    name: 'transformed-crawled-load',
    on: { source: 'aws.glue', detailType: 'Glue Crawler State Change', zone: 'transformed', state: 'Succeeded' },
    step: 'load',
    input: {},
    modes: ['crawler'],
  },
  {
    name: 'cleaned-written-transform-transformed',
    on: { source: 'lakehouse', detailType: 'ZoneWritten', zone: 'cleaned' },
    step: 'transform',
    input: { target: 'transformed' },
    modes: ['direct'],
  },
  {
    name: 'transformed-written-load',
    on: { source: 'lakehouse', detailType: 'ZoneWritten', zone: 'transformed' },
    step: 'load',
    input: {},
    modes: ['direct'],
  },
  {
    name: 'schedule-sweep',
    on: { source: 'aws.scheduler', detailType: 'Scheduled Tick', step: 'sweep' },
    step: 'sweep',
    input: {},
  },
  {
    // Deletes and silent updates the watermark cannot see (jobs/reconcile/reconcile.ts), daily by default.
    name: 'schedule-reconcile',
    on: { source: 'aws.scheduler', detailType: 'Scheduled Tick', step: 'reconcile' },
    step: 'reconcile',
    input: {},
  },
];

/** True when `event` satisfies `route.on`. Pure; shared by the local bus and the stack tests. */
export function routeMatches(route: Route, event: PipelineEvent): boolean {
  const on = route.on;
  if (on.source !== event.source || on.detailType !== event['detail-type']) return false;
  if (on.zone && eventZone(event) !== on.zone) return false;
  if (event.source === 'aws.s3') {
    const key = event.detail.object.key;
    if (on.keyPrefix && !key.startsWith(on.keyPrefix)) return false;
    if (on.keySuffix && !key.endsWith(on.keySuffix)) return false;
  }
  if (event.source === 'aws.glue' && on.state && event.detail.state !== on.state) return false;
  if (event.source === 'aws.scheduler' && on.step && event.detail.step !== on.step) return false;
  return true;
}

/** True when `route` belongs to chain mode `mode`. */
export function inChainMode(route: Route, mode: ChainMode): boolean {
  return !route.modes || route.modes.includes(mode);
}

/** The routes of chain mode `mode`, in declaration order: what the stacks deploy and the local bus applies. */
export function chainRoutes(mode: ChainMode): Route[] {
  return ROUTES.filter((r) => inChainMode(r, mode));
}

/** The routes an event starts in chain mode `mode`, in declaration order. */
export function routesFor(event: PipelineEvent, mode: ChainMode): Route[] {
  return chainRoutes(mode).filter((r) => routeMatches(r, event));
}
