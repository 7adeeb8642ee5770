/**
 * Typed per-environment configuration of the stacks. An environment is pure
 * data; `stackConfig` picks one, applies the few overrides users set through
 * environment variables, and validates the result before any construct sees it.
 *
 * Overrides (all optional):
 * - `LAKEHOUSE_ENV`            environment name (read by stacks/main.ts), default `dev`
 * - `LAKEHOUSE_BUCKET_PREFIX`  bucket name prefix; bucket names are global, so include e.g. your account id
 * - `LAKEHOUSE_ALERT_EMAIL`    address the alert topic emails (same variable as the local runtime)
 * - `LAKEHOUSE_REGION`         AWS region to deploy to
 * - `LAKEHOUSE_LAMBDA_DIR`     folder holding the Lambda bundles (`<step>.zip` or `<step>/`), default `dist/lambda`
 * - `LAKEHOUSE_STATE_BUCKET`   keep Terraform state in this S3 bucket (key prefix `lakehouse/<env>/`) instead of local files
 * - `LAKEHOUSE_RESERVE_CONCURRENCY` `1`/`true` reserves one concurrent execution for each of transform and load
 *                              (see `SERIALISED_STEPS`; needs an account concurrency quota of at least 102)
 * - `LAKEHOUSE_CHAIN_MODE`     `crawler` or `direct` (jobs/lib/definition/routes.ts; same variable as the local runtime)
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { TerminalError } from '../jobs/lib/core/errors';
import { CHAIN_MODES, isChainMode, type ChainMode } from '../jobs/lib/definition/routes';
import { STEPS, type ScheduledStep, type Step } from '../jobs/lib/definition/run-stages';
import { lakeLifecycle, lifecycleProblems, type LakeLifecycle } from '../lifecycle/rules';

/** Encryption at rest of buckets, secrets and the warehouse: a customer-managed KMS key, or S3-managed keys. */
export type EncryptionKind = 'kms' | 's3';

/** Lambda sizing of one job. */
export interface JobSizing {
  /** Function timeout in seconds (Lambda allows 1–900). */
  timeoutSeconds: number;
  /** Memory in MB (128–10240). */
  memoryMb: number;
  /**
   * Reserved concurrency (Lambda's `ReservedConcurrentExecutions`). Unset (the
   * default): the account's shared pool. Lambda only lets an account reserve
   * up to its unreserved concurrency minus 100 ("Configuring reserved
   * concurrency", https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html),
   * so on a new account with a small concurrency quota (often 10) any
   * reservation fails the deployment. The jobs serialise through the run
   * ledger's conditional writes instead; reserving 1 for transform and load
   * (`reserveConcurrency`) is an extra guard for accounts that can afford it.
   */
  reservedConcurrency?: number;
}

/** Subnets and security groups for something that runs inside a VPC. */
export interface NetworkPlacement {
  subnetIds: string[];
  securityGroupIds: string[];
}

/** Everything the lake and pipeline stacks need to know about one environment. */
export interface StackConfig {
  /** Environment name (`dev`, `prod`, …); part of stack names and tags. */
  environment: string;
  /** AWS region of every resource. */
  region: string;
  /** Prefix of every resource name except buckets: lowercase letters, digits, hyphens; at most 24 characters. */
  namePrefix: string;
  /** Prefix of bucket names (global across AWS): lowercase letters, digits, hyphens; at most 40 characters. */
  bucketPrefix: string;
  encryption: EncryptionKind;
  /** Lets `cdktf destroy` delete non-empty buckets and secrets at once (development environments). */
  forceDestroy: boolean;
  /** Retention and archive rules per zone (lifecycle/rules.ts). */
  lifecycle: LakeLifecycle;
  /**
   * EventBridge Scheduler expressions (`rate(…)` or `cron(…)`, UTC) of the
   * scheduled steps; `reconcile` (deletes and silent updates the watermark
   * cannot see) defaults to daily.
   */
  schedules: Record<ScheduledStep, string>;
  /**
   * How the steps are chained (jobs/lib/definition/routes.ts): `crawler`, every
   * zone's crawl starts the next step; `direct`, the writer's `ZoneWritten`
   * does, and the crawlers no route starts run on `crawlerSchedule`.
   */
  chainMode: ChainMode;
  /**
   * Glue crawler schedule of the crawlers no route of the chain mode starts
   * (the cleaned and transformed ones in direct mode): a Glue `cron(…)` of six
   * fields, UTC. Glue crawler schedules take only cron expressions ("Time-based
   * schedules for jobs and crawlers",
   * https://docs.aws.amazon.com/glue/latest/dg/monitor-data-warehouse-schedule.html).
   */
  crawlerSchedule: string;
  /**
   * Extract settings passed to the extract Lambda (same meaning as the local
   * settings, jobs/extract/extract-settings.ts). `capture` `cdc` reads the
   * source's replication slot `cdcSlot` (publication `cdcPublication`), which
   * `lakehouse cdc setup` creates once (docs/architecture.md, "Change capture
   * on AWS"); `cdcMaxLag` is the slot lag (`1GB` style) past which each
   * extract logs an alert line.
   */
  extract: {
    lookback: string;
    tablesInclude: string;
    tablesExclude: string;
    capture: 'watermark' | 'cdc';
    cdcSlot: string;
    cdcPublication: string;
    cdcMaxLag: string;
  };
  /** How long a run may wait at a stage before the sweep re-emits its event (`1h` style). */
  sweepThreshold: string;
  /** Address the SNS alert topic emails (the subscription must be confirmed from the inbox). */
  alertEmail: string;
  /** CloudWatch Logs retention of every job's log group, in days (one of CloudWatch's allowed values). */
  logRetentionDays: number;
  /** Athena workgroup: per-query data-scanned limit in bytes (Athena's minimum is 10 MB). */
  athena: { bytesScannedCutoffPerQuery: number };
  /** Redshift Serverless warehouse. Without subnets the workgroup uses the default VPC. */
  warehouse: {
    databaseName: string;
    adminUsername: string;
    /** Base capacity in RPUs (8–512, steps of 8). */
    baseCapacityRpu: number;
    /** Upper limit in RPUs. */
    maxCapacityRpu: number;
    network?: NetworkPlacement;
  };
  /** Placement of the extract Lambda when the source database is only reachable inside a VPC. */
  sourceNetwork?: NetworkPlacement;
  /** Lambda sizing per job. */
  jobs: Record<Step, JobSizing>;
  /** Code of each job's Lambda: a `.zip` file or a folder (zipped at synth). */
  lambdaAssets: Record<Step, string>;
  /** Tags on every resource (with `project` and `environment`). */
  tags: Record<string, string>;
  /**
   * Where Terraform keeps state: an existing S3 bucket (with S3 lock files),
   * or, when absent, local files `terraform.<stack>.tfstate` in the project folder.
   */
  stateBackend?: { bucket: string; keyPrefix: string };
}

/** The repository root (stacks/ is one level down). */
const REPO_ROOT = resolve(__dirname, '..');

/** Default bundle location: what the build writes (`dist/lambda/<step>.zip`). */
export function defaultLambdaAssets(dir = join(REPO_ROOT, 'dist', 'lambda')): Record<Step, string> {
  return Object.fromEntries(STEPS.map((step) => [step, join(dir, `${step}.zip`)])) as Record<Step, string>;
}

/**
 * Jobs that work through the run ledger's waiting runs and are best run one
 * at a time (two transforms of one run would clear each other's location;
 * loads apply runs in order). `reserveConcurrency` reserves 1 for each.
 */
export const SERIALISED_STEPS = ['transform', 'load'] as const satisfies readonly Step[];

/**
 * `jobs` with a reserved concurrency of 1 on every SERIALISED_STEPS job
 * (for accounts whose concurrency quota leaves 100 unreserved after it). Pure.
 */
export function reserveConcurrency(jobs: Record<Step, JobSizing>): Record<Step, JobSizing> {
  const out = { ...jobs };
  for (const step of SERIALISED_STEPS) out[step] = { ...jobs[step], reservedConcurrency: 1 };
  return out;
}

/** Job sizes: long waits on Athena and Redshift get the full 15 minutes; event plumbing stays small. No reserved concurrency. */
const JOB_SIZING: Record<Step, JobSizing> = {
  extract: { timeoutSeconds: 600, memoryMb: 1024 },
  ingest: { timeoutSeconds: 300, memoryMb: 1024 },
  crawl: { timeoutSeconds: 30, memoryMb: 256 },
  transform: { timeoutSeconds: 900, memoryMb: 512 },
  load: { timeoutSeconds: 900, memoryMb: 512 },
  'scan-logs': { timeoutSeconds: 60, memoryMb: 256 },
  // Besides its ledger reads: one Athena SELECT per declared source freshness, and listing a week of raw run folders.
  sweep: { timeoutSeconds: 300, memoryMb: 256 },
  // Per table: the source's key hashes to S3, two or three Athena queries, a re-read of the differing rows.
  reconcile: { timeoutSeconds: 900, memoryMb: 1024 },
};

/** Every hour on the hour (Glue cron: minutes hours day-of-month month day-of-week year). */
export const HOURLY_CRAWL = 'cron(0 * * * ? *)';

/** The environments, as data. Add one by copying `dev` and changing what differs. */
export const ENVIRONMENTS: Record<string, StackConfig> = {
  dev: {
    environment: 'dev',
    region: 'eu-west-2',
    namePrefix: 'lakehouse-dev',
    bucketPrefix: 'lakehouse-dev',
    encryption: 's3',
    forceDestroy: true,
    lifecycle: lakeLifecycle(30),
    schedules: { extract: 'rate(30 minutes)', sweep: 'rate(1 hour)', reconcile: 'rate(1 day)' },
    chainMode: 'crawler',
    crawlerSchedule: HOURLY_CRAWL,
    extract: {
      lookback: '5m',
      tablesInclude: '*',
      tablesExclude: '_prisma_migrations',
      capture: 'watermark',
      cdcSlot: 'lakehouse',
      cdcPublication: 'lakehouse',
      cdcMaxLag: '1GB',
    },
    sweepThreshold: '1h',
    alertEmail: 'data-team@example.com',
    logRetentionDays: 30,
    athena: { bytesScannedCutoffPerQuery: 10 * 1024 ** 3 },
    warehouse: { databaseName: 'warehouse', adminUsername: 'lakehouse_admin', baseCapacityRpu: 8, maxCapacityRpu: 16 },
    jobs: JOB_SIZING,
    lambdaAssets: defaultLambdaAssets(),
    tags: { project: 'lakehouse', environment: 'dev' },
  },
};

/** CloudWatch Logs' allowed retention values, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const name = (max: number) =>
  z
    .string()
    .regex(/^[a-z][a-z0-9-]*[a-z0-9]$/, 'lowercase letters, digits and hyphens, starting with a letter')
    .max(max);
const schedule = z.string().regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/, 'rate(…) or cron(…)');
/** A Glue cron expression: `cron(` six space-separated fields `)`. */
const glueCron = z.string().regex(/^cron\(\S+( \S+){5}\)$/, 'a Glue cron(…) expression of six fields');
/** A replication slot or publication name, as extract-settings.ts accepts it. */
const pgName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case identifier (letters, digits, _)');
const duration = z.string().regex(/^\d+(ms|s|m|h|d)?$/, 'a duration such as 30m or 1h');
const network = z.object({ subnetIds: z.array(z.string().min(1)).min(1), securityGroupIds: z.array(z.string().min(1)).min(1) });
const stepRecord = <T extends z.ZodType>(value: T) =>
  z.object(Object.fromEntries(STEPS.map((s) => [s, value])) as Record<Step, T>);

const schema = z.object({
  environment: name(16),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-2'),
  namePrefix: name(24),
  bucketPrefix: name(40),
  encryption: z.enum(['kms', 's3']),
  forceDestroy: z.boolean(),
  lifecycle: z.custom<LakeLifecycle>((v) => typeof v === 'object' && v !== null),
  schedules: z.object({ extract: schedule, sweep: schedule, reconcile: schedule }),
  chainMode: z.enum(CHAIN_MODES),
  crawlerSchedule: glueCron,
  extract: z.object({
    lookback: duration,
    tablesInclude: z.string().min(1),
    tablesExclude: z.string(),
    capture: z.enum(['watermark', 'cdc']),
    cdcSlot: pgName,
    cdcPublication: pgName,
    cdcMaxLag: z.string().regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb|tb)?$/i, 'a size such as 512MB or 1GB'),
  }),
  sweepThreshold: duration,
  alertEmail: z.email(),
  logRetentionDays: z
    .number()
    .refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n), 'a CloudWatch Logs retention value'),
  athena: z.object({ bytesScannedCutoffPerQuery: z.number().int().min(10_000_000) }),
  warehouse: z
    .object({
      databaseName: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/),
      adminUsername: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/),
      baseCapacityRpu: z.number().int().min(8).max(512).multipleOf(8),
      maxCapacityRpu: z.number().int().min(8).max(5632),
      network: network.optional(),
    })
    .refine((w) => w.maxCapacityRpu >= w.baseCapacityRpu, 'maxCapacityRpu must be ≥ baseCapacityRpu'),
  sourceNetwork: network.optional(),
  jobs: stepRecord(
    z.object({
      timeoutSeconds: z.number().int().min(1).max(900),
      memoryMb: z.number().int().min(128).max(10240),
      reservedConcurrency: z.number().int().min(1).optional(),
    }),
  ),
  lambdaAssets: stepRecord(z.string().min(1)),
  tags: z.record(z.string(), z.string()),
  stateBackend: z
    .object({ bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/), keyPrefix: z.string().min(1) })
    .optional(),
});

/**
 * Validates a configuration. Returns it unchanged when valid; throws
 * TerminalError listing every problem (field path and reason) otherwise,
 * including lifecycle problems (lifecycle/rules.ts `lifecycleProblems`).
 */
export function validateConfig(config: StackConfig): StackConfig {
  const result = schema.safeParse(config);
  const problems = result.success ? [] : result.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`);
  problems.push(...lifecycleProblems(config.lifecycle).map((p) => `lifecycle.${p}`));
  if (problems.length) throw new TerminalError(`invalid stack configuration:\n  ${problems.join('\n  ')}`);
  return config;
}

/**
 * The configuration of environment `environment` with overrides from `env`
 * (see the file header), validated. Throws TerminalError for an unknown
 * environment, a `LAKEHOUSE_CHAIN_MODE` naming no chain mode, or an invalid result.
 */
export function stackConfig(environment: string, env: NodeJS.ProcessEnv = {}): StackConfig {
  const base = ENVIRONMENTS[environment];
  if (!base) {
    throw new TerminalError(
      `unknown environment ${JSON.stringify(environment)} (known: ${Object.keys(ENVIRONMENTS).join(', ')})`,
    );
  }
  const chainMode = env.LAKEHOUSE_CHAIN_MODE || base.chainMode;
  if (!isChainMode(chainMode)) {
    throw new TerminalError(`LAKEHOUSE_CHAIN_MODE must be one of ${CHAIN_MODES.join(', ')} (got ${JSON.stringify(chainMode)})`);
  }
  return validateConfig({
    ...base,
    chainMode,
    bucketPrefix: env.LAKEHOUSE_BUCKET_PREFIX || base.bucketPrefix,
    alertEmail: env.LAKEHOUSE_ALERT_EMAIL || base.alertEmail,
    region: env.LAKEHOUSE_REGION || base.region,
    lambdaAssets: env.LAKEHOUSE_LAMBDA_DIR ? defaultLambdaAssets(resolve(env.LAKEHOUSE_LAMBDA_DIR)) : base.lambdaAssets,
    jobs: /^(1|true)$/i.test(env.LAKEHOUSE_RESERVE_CONCURRENCY ?? '') ? reserveConcurrency(base.jobs) : base.jobs,
    stateBackend: env.LAKEHOUSE_STATE_BUCKET
      ? { bucket: env.LAKEHOUSE_STATE_BUCKET, keyPrefix: `lakehouse/${base.environment}` }
      : base.stateBackend,
  });
}

/**
 * Resolves each job's asset to what exists: the configured `.zip`, else a
 * folder of the same name without `.zip` (`dist/lambda/<step>/`, zipped at
 * synth). Throws TerminalError naming every missing bundle and how to build it.
 */
export function resolveLambdaAssets(assets: Record<Step, string>): Record<Step, string> {
  const missing: string[] = [];
  const resolved = Object.fromEntries(
    STEPS.map((step) => {
      const configured = assets[step];
      const candidates = configured.endsWith('.zip') ? [configured, configured.slice(0, -4)] : [configured];
      const found = candidates.find(
        (c) => existsSync(c) && (c.endsWith('.zip') ? statSync(c).isFile() : statSync(c).isDirectory()),
      );
      if (!found) missing.push(`${step}: ${configured}`);
      return [step, found ?? configured];
    }),
  ) as Record<Step, string>;
  if (missing.length) {
    throw new TerminalError(
      `Lambda bundles not found (run \`npm run build\` first, or set LAKEHOUSE_LAMBDA_DIR):\n  ${missing.join('\n  ')}`,
    );
  }
  return resolved;
}
