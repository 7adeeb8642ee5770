/**
 * The stateless stack: the jobs and the wiring between them. One Lambda per
 * step of jobs/lib/definition/routes.ts, each with its own least-privilege role
 * (stacks/job-permissions.ts), log group and dead-letter queue; the custom
 * event bus for `ZoneWritten`; an EventBridge rule (or a Scheduler schedule)
 * for every route of the configured chain mode (routes.ts `chainRoutes`);
 * the alert topic with its email subscription, log subscription filters into
 * scan-logs and failure alerts.
 *
 * Destroying and recreating this stack loses no data: everything stateful is
 * in the lake stack.
 */
import { CloudwatchEventBus } from '@cdktf/provider-aws/lib/cloudwatch-event-bus';
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { ENV, ENV_BY_STEP, LAMBDA_SQL_DIR, LEDGER_PREFIX, type EnvKey } from '../jobs/lib/definition/lambda-environment';
import { chainRoutes } from '../jobs/lib/definition/routes';
import { STEPS, type Step } from '../jobs/lib/definition/run-stages';
import type { StackConfig } from './config';
import { AlertTopic } from './constructs/alert-topic';
import { AwsContext } from './constructs/aws-context';
import { EventRoutes } from './constructs/event-routes';
import { FailureAlerts } from './constructs/failure-alerts';
import { JobFunction } from './constructs/job-function';
import { LogSubscriptions } from './constructs/log-subscriptions';
import { jobStatements } from './job-permissions';
import { configureProvider, type LakeExports } from './lake-stack';
import { deployedNames } from './names';

export interface PipelineStackProps {
  config: StackConfig;
  /** What the lake stack exports (cross-stack references are resolved by cdktf). */
  lake: LakeExports;
}

/** The stateless stack of one environment, reading the lake's exports. */
export class PipelineStack extends TerraformStack {
  readonly jobs: Record<Step, JobFunction>;
  readonly routes: EventRoutes;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id);
    const { config, lake } = props;
    const names = lake.names;
    configureProvider(this, config);
    const aws = new AwsContext(this, 'context', config.region);

    const bus = new CloudwatchEventBus(this, 'bus', { name: names.eventBus, description: 'lakehouse pipeline events' });
    const alerts = new AlertTopic(this, 'alerts', { aws, topicName: names.alertTopic, email: config.alertEmail });

    const values: Record<EnvKey, string> = {
      rawBucket: names.zoneBuckets.raw,
      cleanedBucket: names.zoneBuckets.cleaned,
      transformedBucket: names.zoneBuckets.transformed,
      ledgerBucket: names.zoneBuckets.raw,
      ledgerPrefix: LEDGER_PREFIX,
      rawDatabase: names.databases.raw,
      cleanedDatabase: names.databases.cleaned,
      transformedDatabase: names.databases.transformed,
      rawCrawler: names.crawlers.raw,
      cleanedCrawler: names.crawlers.cleaned,
      transformedCrawler: names.crawlers.transformed,
      athenaWorkgroup: names.transformWorkgroup,
      redshiftWorkgroup: names.redshiftWorkgroup,
      redshiftDatabase: config.warehouse.databaseName,
      redshiftSecretArn: lake.redshiftAdminSecretArn,
      redshiftCopyRoleArn: lake.redshiftCopyRoleArn,
      eventBusName: names.eventBus,
      alertTopicArn: alerts.topic.arn,
      sourceSecretArn: lake.sourceSecretArn,
      lookback: config.extract.lookback,
      tablesInclude: config.extract.tablesInclude,
      tablesExclude: config.extract.tablesExclude,
      capture: config.extract.capture,
      cdcSlot: config.extract.cdcSlot,
      cdcPublication: config.extract.cdcPublication,
      cdcMaxLag: config.extract.cdcMaxLag,
      sweepThreshold: config.sweepThreshold,
      sqlDir: LAMBDA_SQL_DIR,
      serviceName: '', // per job: the step name (below)
      logLevel: 'INFO',
    };
    const environment = (step: Step) =>
      Object.fromEntries(ENV_BY_STEP[step].map((key) => [ENV[key], key === 'serviceName' ? step : values[key]]));

    const resources = { aws, lake, eventBusArn: bus.arn, alertTopicArn: alerts.topic.arn, sourceNetwork: config.sourceNetwork };
    const jobs = {} as Record<Step, JobFunction>;
    for (const step of STEPS) {
      jobs[step] = new JobFunction(this, `${step}-job`, {
        aws,
        step,
        functionName: names.jobFunction(step),
        roleName: names.jobRole(step),
        queueName: names.jobDeadLetterQueue(step),
        logGroupName: names.jobLogGroup(step),
        logRetentionDays: config.logRetentionDays,
        sizing: config.jobs[step],
        assetPath: config.lambdaAssets[step],
        environment: environment(step),
        statements: jobStatements(step, resources),
        // Both read the source database.
        vpc: step === 'extract' || step === 'reconcile' ? config.sourceNetwork : undefined,
      });
    }
    this.jobs = jobs;

    const deployed = deployedNames(names);
    this.routes = new EventRoutes(this, 'routes', {
      aws,
      routes: chainRoutes(config.chainMode),
      names: deployed,
      jobs,
      ruleName: names.rule,
      scheduleName: names.schedule,
      schedules: config.schedules,
      schedulerRoleName: names.schedulerRole,
      customBus: bus,
    });
    new LogSubscriptions(this, 'log-subscriptions', { aws, jobs, scanner: 'scan-logs' });
    new FailureAlerts(this, 'failure-alerts', {
      names: deployed,
      ruleName: names.rule,
      alarmName: names.deadLetterAlarm,
      topic: alerts,
      jobs,
    });

    new TerraformOutput(this, 'event-bus-name', { value: names.eventBus });
    new TerraformOutput(this, 'alert-topic-arn', { value: alerts.topic.arn });
  }
}
