import type { Step } from './run-stages';
import type { Zone } from './zones';

/** Environment variable names. Values are set by the pipeline stack (`stacks/pipeline-stack.ts`). */
export const ENV = {
  /** S3 bucket of the raw zone. */
  rawBucket: 'LAKEHOUSE_RAW_BUCKET',
  /** S3 bucket of the cleaned zone. */
  cleanedBucket: 'LAKEHOUSE_CLEANED_BUCKET',
  /** S3 bucket of the transformed zone. */
  transformedBucket: 'LAKEHOUSE_TRANSFORMED_BUCKET',
  /** Bucket holding the run ledger (the raw zone bucket). */
  ledgerBucket: 'LAKEHOUSE_LEDGER_BUCKET',
  /** Key prefix of the run ledger inside its bucket, ending in `/` (`_ledger/`). */
  ledgerPrefix: 'LAKEHOUSE_LEDGER_PREFIX',
  /** Glue database of the raw zone. */
  rawDatabase: 'LAKEHOUSE_RAW_DATABASE',
  /** Glue database of the cleaned zone. */
  cleanedDatabase: 'LAKEHOUSE_CLEANED_DATABASE',
  /** Glue database of the transformed zone. */
  transformedDatabase: 'LAKEHOUSE_TRANSFORMED_DATABASE',
  /** Glue crawler of the raw zone. */
  rawCrawler: 'LAKEHOUSE_RAW_CRAWLER',
  /** Glue crawler of the cleaned zone. */
  cleanedCrawler: 'LAKEHOUSE_CLEANED_CRAWLER',
  /** Glue crawler of the transformed zone. */
  transformedCrawler: 'LAKEHOUSE_TRANSFORMED_CRAWLER',
  /**
   * Athena workgroup the transform runs its CTAS in (and the sweep its source freshness SELECTs): the pipeline's own workgroup, which does not
   * enforce its configuration (an enforced results location makes Athena fail every CTAS that sets
   * `external_location`); its default results location is encrypted and its scan limit applies.
   */
  athenaWorkgroup: 'LAKEHOUSE_ATHENA_WORKGROUP',
  /** Redshift Serverless workgroup name (Data API `WorkgroupName`). */
  redshiftWorkgroup: 'LAKEHOUSE_REDSHIFT_WORKGROUP',
  /** Redshift database name (Data API `Database`). */
  redshiftDatabase: 'LAKEHOUSE_REDSHIFT_DATABASE',
  /** ARN of the Secrets Manager secret holding the Redshift admin credentials (Data API `SecretArn`). */
  redshiftSecretArn: 'LAKEHOUSE_REDSHIFT_SECRET_ARN',
  /** ARN of the IAM role Redshift assumes for `COPY … IAM_ROLE '<arn>'`. */
  redshiftCopyRoleArn: 'LAKEHOUSE_REDSHIFT_COPY_ROLE_ARN',
  /** Name of the custom event bus carrying `ZoneWritten` events. */
  eventBusName: 'LAKEHOUSE_EVENT_BUS',
  /** ARN of the SNS topic alerts are published to. */
  alertTopicArn: 'LAKEHOUSE_ALERT_TOPIC_ARN',
  /** ARN of the Secrets Manager secret holding the source database connection. */
  sourceSecretArn: 'LAKEHOUSE_SOURCE_SECRET_ARN',
  /** Extraction lookback (`5m` style duration), as in the local settings. */
  lookback: 'LAKEHOUSE_LOOKBACK',
  /** Source tables to extract (comma-separated globs), as in the local settings. */
  tablesInclude: 'LAKEHOUSE_TABLES_INCLUDE',
  /** Source tables to skip (comma-separated globs), as in the local settings. */
  tablesExclude: 'LAKEHOUSE_TABLES_EXCLUDE',
  /** Capture mode of the extract (`watermark` or `cdc`), as in the local settings (jobs/extract/extract-settings.ts). */
  capture: 'LAKEHOUSE_CAPTURE',
  /** Replication slot read in capture mode `cdc`. */
  cdcSlot: 'LAKEHOUSE_CDC_SLOT',
  /** Publication read in capture mode `cdc`. */
  cdcPublication: 'LAKEHOUSE_CDC_PUBLICATION',
  /** Slot lag (`1GB` style size) past which the extract logs an alert line in capture mode `cdc`. */
  cdcMaxLag: 'LAKEHOUSE_CDC_MAX_LAG',
  /** How long a run may wait at a stage before the sweep re-emits its event (`30m` style duration). */
  sweepThreshold: 'LAKEHOUSE_SWEEP_THRESHOLD',
  /**
   * Folder holding the SQL files (`cleaned/`, `transformed/`, `warehouse/`) inside the Lambda:
   * the bundle ships `sql/` next to `index.js`, so `/var/task/sql` (see jobs/lib/core/sql/models.ts `sqlDir`).
   */
  sqlDir: 'LAKEHOUSE_SQL_DIR',
  /** Powertools service name (the job's step name). */
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  /** Powertools log level (`INFO`, `DEBUG`, …). */
  logLevel: 'POWERTOOLS_LOG_LEVEL',
} as const;

export type EnvKey = keyof typeof ENV;

/**
 * The run ledger's key prefix in the raw zone bucket, as the stack sets it in
 * `LAKEHOUSE_LEDGER_PREFIX`. The crawlers exclude it (crawlers/zone-crawlers.ts).
 */
export const LEDGER_PREFIX = '_ledger/';

/** Where the SQL files sit in a Lambda bundle that carries them (`$LAMBDA_TASK_ROOT/sql`). */
export const LAMBDA_SQL_DIR = '/var/task/sql';
export type EnvName = (typeof ENV)[EnvKey];

/** The bucket variable of a zone. */
export const zoneBucketEnv = (zone: Zone): EnvName =>
  ({ raw: ENV.rawBucket, cleaned: ENV.cleanedBucket, transformed: ENV.transformedBucket })[zone];

/** The Glue database variable of a zone. */
export const zoneDatabaseEnv = (zone: Zone): EnvName =>
  ({ raw: ENV.rawDatabase, cleaned: ENV.cleanedDatabase, transformed: ENV.transformedDatabase })[zone];

/** The Glue crawler variable of a zone. */
export const zoneCrawlerEnv = (zone: Zone): EnvName =>
  ({ raw: ENV.rawCrawler, cleaned: ENV.cleanedCrawler, transformed: ENV.transformedCrawler })[zone];

const ZONE_DATABASES: EnvKey[] = ['rawDatabase', 'cleanedDatabase', 'transformedDatabase'];
const LEDGER: EnvKey[] = ['ledgerBucket', 'ledgerPrefix'];
const LOGGING: EnvKey[] = ['serviceName', 'logLevel'];
/** Everything `deployedNamesFromEnv` reads: zone buckets, zone crawlers, event bus, Athena workgroup. */
const NAMES: EnvKey[] = [
  'rawBucket',
  'cleanedBucket',
  'transformedBucket',
  'rawCrawler',
  'cleanedCrawler',
  'transformedCrawler',
  'eventBusName',
  'athenaWorkgroup',
];

/**
 * The variables each job's Lambda receives, and no others. Every job that is
 * started by an event (all but scan-logs, which receives CloudWatch Logs
 * batches) gets the deployed names, so its handler can call
 * `deployedNamesFromEnv()` and map bucket / crawler names in AWS events to zones.
 */
export const ENV_BY_STEP: Record<Step, readonly EnvKey[]> = {
  extract: [
    ...LOGGING,
    ...NAMES,
    ...LEDGER,
    ...ZONE_DATABASES,
    'sourceSecretArn',
    'lookback',
    'tablesInclude',
    'tablesExclude',
    'capture',
    'cdcSlot',
    'cdcPublication',
    'cdcMaxLag',
  ],
  ingest: [...LOGGING, ...NAMES, ...LEDGER, ...ZONE_DATABASES],
  crawl: [...LOGGING, ...NAMES],
  transform: [...LOGGING, ...NAMES, ...LEDGER, ...ZONE_DATABASES, 'sqlDir'],
  load: [
    ...LOGGING,
    ...NAMES,
    ...LEDGER,
    'redshiftWorkgroup',
    'redshiftDatabase',
    'redshiftSecretArn',
    'redshiftCopyRoleArn',
    'sqlDir',
  ],
  'scan-logs': [...LOGGING, 'alertTopicArn'],
  // The cleaned database and the freshness declarations (sql/cleaned/*.tests.yaml): source freshness on every sweep.
  sweep: [...LOGGING, ...NAMES, ...LEDGER, ...ZONE_DATABASES, 'sweepThreshold', 'sqlDir'],
  // The source (its secret), the raw zone for the run, Athena over the cleaned zone for the comparison.
  reconcile: [...LOGGING, ...NAMES, ...LEDGER, ...ZONE_DATABASES, 'sourceSecretArn', 'tablesInclude', 'tablesExclude'],
};
