/**
 * Names of every deployed resource, derived from the configuration alone.
 * Both stacks (and the tests) compute them here, so the pipeline stack refers
 * to lake resources by the same plain names the lake stack creates, and the
 * EventBridge patterns hold literal names instead of cross-stack tokens.
 */
import type { DeployedNames } from '../jobs/lib/definition/event-patterns';
import { ZONES, type Zone } from '../jobs/lib/definition/zones';
import type { Step } from '../jobs/lib/definition/run-stages';
import type { StackConfig } from './config';

/** Every resource name of one environment. */
export interface ResourceNames {
  zoneBuckets: Record<Zone, string>;
  archiveBuckets: Record<Zone, string>;
  queryResultsBucket: string;
  /** Glue database per zone (underscores: Athena-friendly identifiers). */
  databases: Record<Zone, string>;
  crawlers: Record<Zone, string>;
  crawlerRoles: Record<Zone, string>;
  replicationRoles: Record<Zone, string>;
  kmsAlias: string;
  /** Athena workgroup for people's ad-hoc queries (enforces its settings). */
  athenaWorkgroup: string;
  /** Athena workgroup the transform job runs its CTAS in (does not enforce, so CTAS may set external_location). */
  transformWorkgroup: string;
  redshiftNamespace: string;
  redshiftWorkgroup: string;
  redshiftCopyRole: string;
  sourceSecret: string;
  eventBus: string;
  alertTopic: string;
  schedulerRole: string;
  /** Lambda function name of a job. */
  jobFunction: (step: Step) => string;
  /** IAM role of a job. */
  jobRole: (step: Step) => string;
  /** On-failure queue of a job. */
  jobDeadLetterQueue: (step: Step) => string;
  /** Log group of a job (Lambda's default `/aws/lambda/<function>`). */
  jobLogGroup: (step: Step) => string;
  /** EventBridge rule of a route or of an alert (`crawler-failed`). */
  rule: (routeName: string) => string;
  /** CloudWatch alarm on a job's dead-letter queue. */
  deadLetterAlarm: (step: Step) => string;
  /** Scheduler schedule of a scheduled step. */
  schedule: (step: Step) => string;
}

const perZone = (f: (zone: Zone) => string) => Object.fromEntries(ZONES.map((z) => [z, f(z)])) as Record<Zone, string>;

/** Key prefixes of each workgroup's query results in the results bucket. */
export const QUERY_RESULTS_PREFIXES = { adHoc: 'results/', transform: 'transform-results/' } as const;

/** The resource names of `config`'s environment. Pure. */
export function resourceNames(config: StackConfig): ResourceNames {
  const p = config.namePrefix;
  const b = config.bucketPrefix;
  const underscored = p.replace(/-/g, '_');
  return {
    zoneBuckets: perZone((z) => `${b}-${z}`),
    archiveBuckets: perZone((z) => `${b}-${z}-archive`),
    queryResultsBucket: `${b}-athena-results`,
    databases: perZone((z) => `${underscored}_${z}`),
    crawlers: perZone((z) => `${p}-${z}`),
    crawlerRoles: perZone((z) => `${p}-crawler-${z}`),
    replicationRoles: perZone((z) => `${p}-replicate-${z}`),
    kmsAlias: `alias/${p}`,
    athenaWorkgroup: p,
    transformWorkgroup: `${p}-transform`,
    redshiftNamespace: p,
    redshiftWorkgroup: p,
    redshiftCopyRole: `${p}-redshift-copy`,
    sourceSecret: `${p}/source-db`,
    eventBus: p,
    alertTopic: `${p}-alerts`,
    schedulerRole: `${p}-scheduler`,
    jobFunction: (step) => `${p}-${step}`,
    jobRole: (step) => `${p}-${step}`,
    jobDeadLetterQueue: (step) => `${p}-${step}-dlq`,
    jobLogGroup: (step) => `/aws/lambda/${p}-${step}`,
    rule: (routeName) => `${p}-${routeName}`,
    deadLetterAlarm: (step) => `${p}-${step}-dead-letters`,
    schedule: (step) => `${p}-${step}`,
  };
}

/** The names the event patterns depend on (event-patterns.ts `DeployedNames`), picked from `names`. Pure. */
export function deployedNames(names: ResourceNames): DeployedNames {
  return {
    buckets: names.zoneBuckets,
    crawlers: names.crawlers,
    eventBusName: names.eventBus,
    // The pipeline's own queries, whose failures the alert pattern and the transform job care about.
    athenaWorkgroup: names.transformWorkgroup,
  };
}
