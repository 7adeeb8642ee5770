/**
 * The pipeline stack (stateless), synthesized offline from the dev
 * configuration with fixture bundles: one Lambda per job with its own role,
 * log group and dead-letter queue; a rule or schedule for every route of the
 * pipeline definition, with the shared event patterns; alerts.
 */
import { ENV, ENV_BY_STEP } from '../../jobs/lib/definition/lambda-environment';
import { routeFor, toPipelineEvent } from '../../jobs/lib/runtimes/lambda/event-schemas';
import { alertPatterns, eventPattern, scheduledTick } from '../../jobs/lib/definition/event-patterns';
import { matchesEventPattern } from './support/event-pattern-matcher';
import { matchesLogFilter } from './support/log-filter-matcher';
import { chainRoutes, ROUTES, type Route } from '../../jobs/lib/definition/routes';
import { STEPS, type Step } from '../../jobs/lib/definition/run-stages';
import { SOURCE_TABLES } from '../../jobs/lib/definition/tables';
import { ERROR_FILTER_PATTERN } from '../../stacks/constructs/log-subscriptions';
import { isDeprecatedRuntime, JOB_RUNTIME } from '../../stacks/constructs/lambda-runtime';
import { deployedNames, resourceNames } from '../../stacks/names';
import { athenaQueryStateChange, crawlerStateChange, s3ObjectCreated, sampleRouteEvent } from './support/aws-events';
import {
  fixtureConfig,
  nameOf,
  only,
  parseRef,
  ref,
  resourcesOf,
  statementsOf,
  synthesize,
  type Synthesized,
} from './support/synth';

const config = fixtureConfig();
const names = resourceNames(config);
const deployed = deployedNames(names);
let synth: Synthesized;
beforeAll(() => {
  synth = synthesize(config);
});
afterAll(() => synth?.cleanup());

const tf = () => synth.pipeline;
/** Terraform name of a job's Lambda. */
const fnName = (step: Step) => nameOf(tf(), 'aws_lambda_function', (f) => f.function_name === names.jobFunction(step));
const fn = (step: Step) => tf().resource.aws_lambda_function[fnName(step)];
/** Every statement of a job role's inline policy. */
function jobStatements(step: Step): Record<string, any>[] {
  const role = parseRef(fn(step).role)!.name;
  return statementsOf(tf(), only(tf(), 'aws_iam_role_policy', (p) => p.role === ref('aws_iam_role', role, 'id')).policy);
}
const actionsOf = (step: Step) => new Set(jobStatements(step).flatMap((s) => s.actions as string[]));
const queueArn = (step: Step) =>
  ref(
    'aws_sqs_queue',
    nameOf(tf(), 'aws_sqs_queue', (q) => q.name === names.jobDeadLetterQueue(step)),
    'arn',
  );

const sampleEvent = (route: Route) => sampleRouteEvent(route, deployed);

describe('jobs', () => {
  it('are one Lambda per step, from the given bundles, sized per job', () => {
    expect(resourcesOf(tf(), 'aws_lambda_function')).toHaveLength(STEPS.length);
    for (const step of STEPS) {
      const f = fn(step);
      expect(f).toMatchObject({
        handler: 'index.handler',
        runtime: JOB_RUNTIME,
        timeout: config.jobs[step].timeoutSeconds,
        memory_size: config.jobs[step].memoryMb,
        logging_config: { log_group: names.jobLogGroup(step) },
      });
      expect(f.filename).toMatch(/^assets\/.+\.zip$/);
      expect(f.source_code_hash).toEqual(expect.any(String));
    }
    expect(fn('transform').timeout).toBe(900);
    expect(fn('crawl').timeout).toBeLessThan(fn('extract').timeout);
  });

  it('run on a Lambda runtime that is not deprecated (Lambda blocks updates to functions on deprecated runtimes)', () => {
    for (const step of STEPS)
      expect({ step, deprecated: isDeprecatedRuntime(fn(step).runtime, new Date()) }).toEqual({ step, deprecated: false });
    expect(isDeprecatedRuntime('nodejs20.x', new Date('2026-05-01T00:00:00Z'))).toBe(true);
    expect(isDeprecatedRuntime('nodejs99.x', new Date())).toBe(true);
  });

  it('reserve no concurrency by default, so they deploy on accounts with a small concurrency quota', () => {
    for (const step of STEPS)
      expect({ step, reserved: fn(step).reserved_concurrent_executions }).toEqual({ step, reserved: undefined });
  });

  it('each get their own role, log group with retention and on-failure queue', () => {
    const roles = new Set(STEPS.map((s) => fn(s).role));
    expect(roles.size).toBe(STEPS.length);
    for (const step of STEPS) {
      const logGroup = only(tf(), 'aws_cloudwatch_log_group', (g) => g.name === names.jobLogGroup(step));
      expect(logGroup.retention_in_days).toBe(config.logRetentionDays);
      const invoke = only(
        tf(),
        'aws_lambda_function_event_invoke_config',
        (c) => c.function_name === ref('aws_lambda_function', fnName(step), 'function_name'),
      );
      expect(invoke.destination_config).toEqual({ on_failure: { destination: queueArn(step) } });
      expect(invoke.maximum_retry_attempts).toBeGreaterThan(0);
      const statements = jobStatements(step);
      const logs = statements.find((s) => s.actions.includes('logs:PutLogEvents'))!;
      expect(logs.resources).toEqual([expect.stringMatching(new RegExp(`:log-group:${names.jobLogGroup(step)}:\\*$`))]);
      expect(statements.filter((s) => s.actions.includes('sqs:SendMessage')).flatMap((s) => s.resources)).toEqual([
        queueArn(step),
      ]);
    }
  });

  it('receive exactly the environment variables lambda-environment.ts gives them', () => {
    for (const step of STEPS) {
      const vars = fn(step).environment.variables as Record<string, string>;
      expect(Object.keys(vars).sort()).toEqual(ENV_BY_STEP[step].map((k) => ENV[k]).sort());
      expect(vars[ENV.serviceName]).toBe(step);
    }
    expect(fn('extract').environment.variables).toMatchObject({
      [ENV.rawBucket]: names.zoneBuckets.raw,
      [ENV.ledgerBucket]: names.zoneBuckets.raw,
      [ENV.ledgerPrefix]: '_ledger/',
      [ENV.lookback]: config.extract.lookback,
      [ENV.sourceSecretArn]: expect.stringMatching(/^\$\{data\.terraform_remote_state\..+source-secret/),
    });
    expect(fn('transform').environment.variables).toMatchObject({
      [ENV.cleanedDatabase]: names.databases.cleaned,
      [ENV.athenaWorkgroup]: names.transformWorkgroup,
      [ENV.eventBusName]: names.eventBus,
      [ENV.sqlDir]: '/var/task/sql',
    });
    expect(fn('load').environment.variables).toMatchObject({
      [ENV.redshiftWorkgroup]: names.redshiftWorkgroup,
      [ENV.redshiftDatabase]: config.warehouse.databaseName,
      [ENV.redshiftSecretArn]: expect.stringContaining('admin_password_secret_arn'),
      [ENV.redshiftCopyRoleArn]: expect.stringContaining('copy-role'),
    });
    expect(fn('scan-logs').environment.variables[ENV.alertTopicArn]).toMatch(/^\$\{aws_sns_topic\./);
  });
});

describe('least privilege', () => {
  const holders = (action: string) => STEPS.filter((s) => actionsOf(s).has(action));

  it('gives each service action only to the jobs that call it', () => {
    expect(holders('glue:StartCrawler')).toEqual(['crawl']);
    expect(holders('athena:StartQueryExecution')).toEqual(['transform', 'sweep', 'reconcile']);
    expect(holders('glue:CreateTable')).toEqual(['transform', 'reconcile']);
    expect(holders('redshift-data:BatchExecuteStatement')).toEqual(['load']);
    expect(holders('events:PutEvents')).toEqual(['transform', 'load', 'sweep']);
    expect(holders('sns:Publish')).toEqual(['scan-logs']);
    expect(holders('secretsmanager:GetSecretValue')).toEqual(['extract', 'load', 'reconcile']);
  });

  it('scopes each job to the names it works on', () => {
    expect([...actionsOf('crawl')].sort()).toEqual([
      'glue:GetCrawler',
      'glue:StartCrawler',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:SendMessage',
    ]);
    const crawl = jobStatements('crawl').find((s) => s.actions.includes('glue:StartCrawler'))!;
    expect(crawl.resources).toEqual(
      Object.values(names.crawlers).map((c) => expect.stringMatching(new RegExp(`:crawler/${c}$`))),
    );
    const secret = (step: Step) =>
      jobStatements(step).find((s) => s.actions.includes('secretsmanager:GetSecretValue'))!.resources;
    expect(secret('extract')).toEqual([expect.stringContaining('source-secret')]);
    expect(secret('load')).toEqual([expect.stringContaining('admin_password_secret_arn')]);
    const put = jobStatements('transform').find((s) => s.actions.includes('events:PutEvents'))!;
    expect(put.resources).toEqual([
      ref(
        'aws_cloudwatch_event_bus',
        nameOf(tf(), 'aws_cloudwatch_event_bus', () => true),
        'arn',
      ),
    ]);
    const workgroup = jobStatements('transform').find((s) => s.actions.includes('athena:StartQueryExecution'))!;
    expect(workgroup.resources).toEqual([expect.stringMatching(new RegExp(`:workgroup/${names.transformWorkgroup}$`))]);
  });

  it('keeps every job away from the archives, and writers to their own zones', () => {
    const s3Resources = (step: Step, action: string) =>
      jobStatements(step)
        .filter((s) => s.actions.includes(action))
        .flatMap((s) => s.resources as string[]);
    for (const step of STEPS) {
      for (const r of jobStatements(step).flatMap((s) => s.resources as string[])) expect(r).not.toMatch(/-archive/);
    }
    const paths = (step: Step, action: string) =>
      s3Resources(step, action)
        .map((r) => r.split(':::')[1])
        .sort();
    expect(paths('extract', 's3:PutObject')).toEqual(['lakehouse-dev-raw/*', 'lakehouse-dev-raw/_ledger/*']);
    expect(paths('transform', 's3:PutObject')).toEqual([
      'lakehouse-dev-athena-results/transform-results/*',
      'lakehouse-dev-cleaned/*',
      'lakehouse-dev-raw/_ledger/*',
      'lakehouse-dev-transformed/*',
    ]);
    expect(paths('load', 's3:PutObject')).toEqual(['lakehouse-dev-raw/_ledger/*']);
    // The sweep writes only the freshness results and state, and reads those, the ledger, the cleaned tables
    // (Athena reads as the caller) and its query results.
    expect(paths('sweep', 's3:PutObject')).toEqual([
      'lakehouse-dev-athena-results/transform-results/*',
      'lakehouse-dev-transformed/quality/*',
    ]);
    expect(paths('sweep', 's3:GetObject')).toEqual([
      'lakehouse-dev-athena-results/transform-results/*',
      'lakehouse-dev-cleaned/*',
      'lakehouse-dev-raw/_ledger/*',
      'lakehouse-dev-transformed/quality/*',
    ]);
    // Ingest deletes landed files, the parts of a run it discards, and ledger index markers (a released run id claim).
    expect(paths('ingest', 's3:DeleteObject')).toEqual([
      'lakehouse-dev-raw/*/run_id=*',
      'lakehouse-dev-raw/_ledger/*',
      'lakehouse-dev-raw/landing/*',
    ]);
    expect(paths('load', 's3:DeleteObject')).toEqual(['lakehouse-dev-raw/_ledger/*']);
    // The sweep deletes only the source tables' raw run folders (parts of runs the ledger never recorded).
    expect(paths('sweep', 's3:DeleteObject')).toEqual(SOURCE_TABLES.map((t) => `lakehouse-dev-raw/${t.name}/run_id=*/*`).sort());
  });

  it('limits the Data API statement reads to the role’s own statements', () => {
    const reads = jobStatements('load').find((s) => s.actions.includes('redshift-data:DescribeStatement'))!;
    expect(reads.resources).toEqual(['*']);
    expect(reads.condition).toEqual([
      { test: 'StringEquals', variable: 'redshift-data:statement-owner-iam-userid', values: ['$${aws:userid}'] },
    ]);
    const runs = jobStatements('load').find((s) => s.actions.includes('redshift-data:BatchExecuteStatement'))!;
    expect(runs.resources).toEqual([expect.stringContaining('aws_redshiftserverless_workgroup')]);
  });
});

describe('routes', () => {
  // The dev config's chain mode (crawler); test/stacks/direct-mode.test.ts covers the other.
  const ruleRoutes = chainRoutes(config.chainMode).filter((r) => r.on.source !== 'aws.scheduler');
  const scheduleRoutes = chainRoutes(config.chainMode).filter((r) => r.on.source === 'aws.scheduler');
  const rule = (route: Route) => only(tf(), 'aws_cloudwatch_event_rule', (r) => r.name === names.rule(route.name));
  const ruleName = (route: Route) => nameOf(tf(), 'aws_cloudwatch_event_rule', (r) => r.name === names.rule(route.name));

  it('deploy one rule per event route of the chain mode, with the pattern event-patterns.ts gives it', () => {
    expect(config.chainMode).toBe('crawler');
    const deployedRules = new Set(resourcesOf(tf(), 'aws_cloudwatch_event_rule').map((r) => r.body.name));
    for (const route of ROUTES.filter((r) => r.on.source !== 'aws.scheduler')) {
      expect({ route: route.name, deployed: deployedRules.has(names.rule(route.name)) }).toEqual({
        route: route.name,
        deployed: ruleRoutes.includes(route),
      });
    }
    for (const route of ruleRoutes) {
      expect({ route: route.name, pattern: JSON.parse(rule(route).event_pattern) }).toEqual({
        route: route.name,
        pattern: eventPattern(route, deployed),
      });
      expect(rule(route).event_bus_name).toBe(route.on.source === 'lakehouse' ? names.eventBus : 'default');
    }
  });

  it('send each rule’s events to its step’s Lambda, which allows exactly that rule to invoke it', () => {
    for (const route of ruleRoutes) {
      const target = only(
        tf(),
        'aws_cloudwatch_event_target',
        (t) => t.rule === ref('aws_cloudwatch_event_rule', ruleName(route), 'name'),
      );
      expect(target.arn).toBe(ref('aws_lambda_function', fnName(route.step), 'arn'));
      expect(target.event_bus_name).toBe(rule(route).event_bus_name);
      expect(target.input_transformer).toBeUndefined();
      const permission = only(
        tf(),
        'aws_lambda_permission',
        (p) => p.source_arn === ref('aws_cloudwatch_event_rule', ruleName(route), 'arn'),
      );
      expect(permission).toMatchObject({
        action: 'lambda:InvokeFunction',
        principal: 'events.amazonaws.com',
        function_name: ref('aws_lambda_function', fnName(route.step), 'function_name'),
      });
    }
  });

  it('let through real-shaped AWS events that the handlers turn into their route, and no others', () => {
    const deployedPatterns = ruleRoutes.map((r) => ({ route: r, pattern: JSON.parse(rule(r).event_pattern) }));
    for (const route of ruleRoutes) {
      const event = sampleEvent(route);
      const matched = deployedPatterns.filter((p) => matchesEventPattern(p.pattern, event)).map((p) => p.route.name);
      expect({ route: route.name, matched }).toEqual({ route: route.name, matched: [route.name] });
      expect(routeFor(toPipelineEvent(event, deployed), route.step).name).toBe(route.name);
    }
    const ignored = [
      s3ObjectCreated(names.zoneBuckets.raw, 'sales_order/run_id=20250225t132609z/part-00000.jsonl.gz'),
      s3ObjectCreated(names.archiveBuckets.raw, '_manifests/20250225t132609z.json'),
      crawlerStateChange(names.crawlers.raw, 'Started'),
      crawlerStateChange('someone-elses-crawler', 'Succeeded'),
    ];
    for (const event of ignored) {
      expect(deployedPatterns.filter((p) => matchesEventPattern(p.pattern, event)).map((p) => p.route.name)).toEqual([]);
    }
  });

  it('run the scheduled steps from EventBridge Scheduler with the tick the handler expects', () => {
    expect(resourcesOf(tf(), 'aws_scheduler_schedule')).toHaveLength(scheduleRoutes.length);
    for (const route of scheduleRoutes) {
      const step = route.on.step!;
      const schedule = only(tf(), 'aws_scheduler_schedule', (s) => s.name === names.schedule(route.step));
      expect(schedule.schedule_expression).toBe(config.schedules[step]);
      expect(schedule.target.arn).toBe(ref('aws_lambda_function', fnName(route.step), 'arn'));
      expect(JSON.parse(schedule.target.input)).toEqual(scheduledTick(step));
      expect(routeFor(toPipelineEvent(JSON.parse(schedule.target.input), deployed), route.step).name).toBe(route.name);
      expect(schedule.target.dead_letter_config).toEqual({ arn: queueArn(route.step) });
      const role = tf().resource.aws_iam_role[parseRef(schedule.target.role_arn)!.name];
      expect(statementsOf(tf(), role.assume_role_policy)[0].principals).toEqual([
        { type: 'Service', identifiers: ['scheduler.amazonaws.com'] },
      ]);
    }
    const schedulerPolicy = only(tf(), 'aws_iam_role_policy', (p) => String(p.role).includes('scheduler-role'));
    const invoke = statementsOf(tf(), schedulerPolicy.policy).find((s) => s.actions.includes('lambda:InvokeFunction'))!;
    expect(invoke.resources.sort()).toEqual(scheduleRoutes.map((r) => ref('aws_lambda_function', fnName(r.step), 'arn')).sort());
  });

  it('carry our ZoneWritten events on a custom bus', () => {
    const bus = only(tf(), 'aws_cloudwatch_event_bus', () => true);
    expect(bus.name).toBe(names.eventBus);
    for (const route of ruleRoutes.filter((r) => r.on.source === 'lakehouse')) {
      expect(rule(route).depends_on).toEqual([
        `aws_cloudwatch_event_bus.${nameOf(tf(), 'aws_cloudwatch_event_bus', () => true)}`,
      ]);
    }
  });
});

describe('alerts', () => {
  const topic = () =>
    ref(
      'aws_sns_topic',
      nameOf(tf(), 'aws_sns_topic', (t) => t.name === names.alertTopic),
      'arn',
    );

  it('email the configured address', () => {
    const sub = only(tf(), 'aws_sns_topic_subscription', () => true);
    expect(sub).toMatchObject({ protocol: 'email', endpoint: config.alertEmail, topic_arn: topic() });
  });

  it('forward error lines of every other job’s log group to scan-logs', () => {
    const scan = fnName('scan-logs');
    const filters = resourcesOf(tf(), 'aws_cloudwatch_log_subscription_filter').map((f) => f.body);
    expect(filters).toHaveLength(STEPS.length - 1);
    for (const step of STEPS.filter((s) => s !== 'scan-logs')) {
      const logGroup = nameOf(tf(), 'aws_cloudwatch_log_group', (g) => g.name === names.jobLogGroup(step));
      const filter = filters.find((f) => f.log_group_name === ref('aws_cloudwatch_log_group', logGroup, 'name'))!;
      expect(filter).toMatchObject({
        filter_pattern: ERROR_FILTER_PATTERN,
        destination_arn: ref('aws_lambda_function', scan, 'arn'),
      });
      const permission = tf().resource.aws_lambda_permission[filter.depends_on[0].split('.')[1]];
      expect(permission).toMatchObject({
        principal: 'logs.amazonaws.com',
        function_name: ref('aws_lambda_function', scan, 'function_name'),
      });
      expect(permission.source_arn).toMatch(/:log-group:\$\{aws_cloudwatch_log_group\..+\.name\}:\*$/);
    }
  });
  it('forward only the lines a person must act on: terminal errors, not transient retries, timeouts or runtime noise', () => {
    const line = (level: string, message: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ level, message, service: 'transform', timestamp: '2026-12-03T10:00:00.000Z', ...extra });
    const forwarded = [
      line('ERROR', 'transform failed', { runId: '20261203t100000z', error: 'athena query q-1 failed: COLUMN_NOT_FOUND' }),
      line('CRITICAL', 'ledger unreadable'),
    ];
    const dropped = [
      line('WARN', 'transient failure: Lambda will retry', { errorName: 'TransientError', error: 'ERROR: throttled' }),
      line('WARN', 'transform interrupted; will be retried', {
        error: 'athena query q-2 failed 3 times with retryable errors: INTERNAL_ERROR',
      }),
      line('INFO', 'query SUCCEEDED after HIVE_PATH_ALREADY_EXISTS was cleared'),
      '2026-12-03T10:00:00.000Z\tabc-123\tERROR\tInvoke Error \t{"errorType":"TransientError","errorMessage":"throttled"}',
      '2026-12-03T10:15:00.000Z abc-123 Task timed out after 900.00 seconds',
    ];
    for (const l of forwarded)
      expect({ l, forwarded: matchesLogFilter(ERROR_FILTER_PATTERN, l) }).toEqual({ l, forwarded: true });
    for (const l of dropped) expect({ l, forwarded: matchesLogFilter(ERROR_FILTER_PATTERN, l) }).toEqual({ l, forwarded: false });
  });

  it('alert on failed crawlers through the topic, but not on Athena query failures the transform handles itself', () => {
    const patterns = alertPatterns(deployed);
    const failureRules = resourcesOf(tf(), 'aws_cloudwatch_event_rule').filter((r) => /-crawler-failed$/.test(r.body.name));
    expect(failureRules.map((r) => JSON.parse(r.body.event_pattern))).toEqual([patterns.crawlerFailed]);
    const crawlerRule = failureRules[0];
    expect(
      matchesEventPattern(JSON.parse(crawlerRule.body.event_pattern), crawlerStateChange(names.crawlers.cleaned, 'Failed')),
    ).toBe(true);
    // A retried or cleared-and-rerun CTAS fails in Athena first: no rule may email on that.
    for (const workgroup of [names.transformWorkgroup, names.athenaWorkgroup]) {
      const failed = athenaQueryStateChange(workgroup, 'FAILED');
      const matching = resourcesOf(tf(), 'aws_cloudwatch_event_rule').filter(
        (r) => r.body.event_pattern && matchesEventPattern(JSON.parse(r.body.event_pattern), failed),
      );
      expect({ workgroup, rules: matching.map((r) => r.body.name) }).toEqual({ workgroup, rules: [] });
    }
    for (const { name } of failureRules) {
      const target = only(tf(), 'aws_cloudwatch_event_target', (t) => t.rule === ref('aws_cloudwatch_event_rule', name, 'name'));
      expect(target.arn).toBe(topic());
      expect(target.input_transformer.input_template).toMatch(/^"lakehouse: .+"$/);
    }
    const policy = only(tf(), 'aws_sns_topic_policy', () => true);
    const events = statementsOf(tf(), policy.policy).find((s) => s.principals[0].identifiers.includes('events.amazonaws.com'))!;
    const sourceArns = events.condition.find((c: any) => c.variable === 'aws:SourceArn').values;
    expect(sourceArns.sort()).toEqual(failureRules.map((r) => ref('aws_cloudwatch_event_rule', r.name, 'arn')).sort());
  });

  it('alarm when any job’s dead-letter queue holds a failed event', () => {
    const alarms = resourcesOf(tf(), 'aws_cloudwatch_metric_alarm').map((a) => a.body);
    expect(alarms).toHaveLength(STEPS.length);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({
        namespace: 'AWS/SQS',
        metric_name: 'ApproximateNumberOfMessagesVisible',
        threshold: 0,
        alarm_actions: [topic()],
      });
    }
  });
});
