/**
 * The pipeline's routes on AWS: for every route it is given (the chain mode's
 * routes of jobs/lib/definition/routes.ts, `chainRoutes`), an
 * EventBridge rule whose pattern comes from jobs/lib/event-patterns.ts (the
 * same definition the handlers' event schemas use), targeting the route's
 * job; scheduler routes become EventBridge Scheduler schedules whose input
 * is the `Scheduled Tick` event the handler expects.
 */
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SchedulerSchedule } from '@cdktf/provider-aws/lib/scheduler-schedule';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { DEFAULT_EVENT_BUS, routeTrigger, type DeployedNames } from '../../jobs/lib/definition/event-patterns';
import type { Route } from '../../jobs/lib/definition/routes';
import type { ScheduledStep, Step } from '../../jobs/lib/definition/run-stages';
import type { AwsContext } from './aws-context';
import type { JobFunction } from './job-function';
import type { Statement } from './policy';
import { ServiceRole } from './service-role';

/** Delivery retries of a rule or schedule target (EventBridge default is 185 over 24 h; a job is better retried by Lambda). */
export const TARGET_RETRY = { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 3600 };

export interface EventRoutesProps {
  aws: AwsContext;
  routes: Route[];
  names: DeployedNames;
  jobs: Record<Step, JobFunction>;
  /** EventBridge rule name of a route. */
  ruleName: (routeName: string) => string;
  /** Scheduler schedule name of a scheduled step. */
  scheduleName: (step: Step) => string;
  /** Schedule expression per scheduled step. */
  schedules: Record<ScheduledStep, string>;
  schedulerRoleName: string;
  /** The custom event bus resource (rules on it wait for it). */
  customBus: ITerraformDependable;
}

/** Rules and schedules for routes; throws Error (from event-patterns.ts) for a malformed route. */
export class EventRoutes extends Construct {
  readonly rules: Record<string, CloudwatchEventRule> = {};
  readonly schedules: Record<string, SchedulerSchedule> = {};

  constructor(scope: Construct, id: string, props: EventRoutesProps) {
    super(scope, id);
    const triggers = props.routes.map((route) => routeTrigger(route, props.names));

    for (const trigger of triggers) {
      if (trigger.kind !== 'rule') continue;
      const { route } = trigger;
      const job = props.jobs[route.step];
      const rule = new CloudwatchEventRule(this, `${route.name}-rule`, {
        name: props.ruleName(route.name),
        description: `route ${route.name}: starts ${route.step}`,
        eventBusName: trigger.eventBusName,
        eventPattern: JSON.stringify(trigger.pattern),
        ...(trigger.eventBusName === DEFAULT_EVENT_BUS ? {} : { dependsOn: [props.customBus] }),
      });
      new CloudwatchEventTarget(this, `${route.name}-target`, {
        rule: rule.name,
        eventBusName: trigger.eventBusName,
        targetId: route.step,
        arn: job.fn.arn,
        retryPolicy: TARGET_RETRY,
      });
      new LambdaPermission(this, `${route.name}-invoke`, {
        statementId: `route-${route.name}`,
        action: 'lambda:InvokeFunction',
        functionName: job.fn.functionName,
        principal: 'events.amazonaws.com',
        sourceArn: rule.arn,
      });
      this.rules[route.name] = rule;
    }

    const scheduled = triggers.flatMap((t) => (t.kind === 'schedule' ? [t] : []));
    if (!scheduled.length) return;
    const statements: Statement[] = [
      {
        sid: 'InvokeScheduledJobs',
        actions: ['lambda:InvokeFunction'],
        resources: scheduled.map((t) => props.jobs[t.route.step].fn.arn),
      },
      {
        sid: 'SendUndeliveredTicks',
        actions: ['sqs:SendMessage'],
        resources: scheduled.map((t) => props.jobs[t.route.step].deadLetterQueue.arn),
      },
    ];
    const role = new ServiceRole(this, 'scheduler-role', {
      roleName: props.schedulerRoleName,
      description: 'EventBridge Scheduler: starts the scheduled jobs',
      services: ['scheduler.amazonaws.com'],
      sourceAccount: props.aws.accountId,
      statements,
    });
    for (const trigger of scheduled) {
      const job = props.jobs[trigger.route.step];
      this.schedules[trigger.route.name] = new SchedulerSchedule(this, `${trigger.route.name}-schedule`, {
        name: props.scheduleName(trigger.route.step),
        description: `route ${trigger.route.name}: starts ${trigger.route.step}`,
        scheduleExpression: props.schedules[trigger.scheduleStep],
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: job.fn.arn,
          roleArn: role.arn,
          input: JSON.stringify(trigger.input),
          retryPolicy: TARGET_RETRY,
          deadLetterConfig: { arn: job.deadLetterQueue.arn },
        },
        dependsOn: [role.policy],
      });
    }
  }
}
