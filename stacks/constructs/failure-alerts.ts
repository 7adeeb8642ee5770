/**
 * Alerts that do not go through a job's logs: an EventBridge rule for failed
 * Glue crawlers (pattern from jobs/lib/definition/event-patterns.ts
 * `alertPatterns`), and a CloudWatch alarm on every job's dead-letter queue,
 * all publishing to the alert topic.
 *
 * Failed Athena queries get no rule of their own: every query in the
 * pipeline's workgroup is the transform job's or the sweep's (source
 * freshness), which handle the failure themselves (the transform retries
 * retryable ones, clears a leftover location and runs the CTAS again, follows
 * a cached failure with a fresh query; the freshness check logs a table it
 * could not check at WARN and tries again on the next tick) and log at
 * ERROR, which scan-logs turns into an alert, only when a person must act. An
 * event rule would email every one of those handled failures too.
 */
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { Construct } from 'constructs';
import { alertPatterns, DEFAULT_EVENT_BUS, type DeployedNames } from '../../jobs/lib/definition/event-patterns';
import type { Step } from '../../jobs/lib/definition/run-stages';
import type { AlertTopic } from './alert-topic';
import type { JobFunction } from './job-function';

export interface FailureAlertsProps {
  names: DeployedNames;
  /** EventBridge rule name of an alert (`crawler-failed`); stacks/names.ts `rule`. */
  ruleName: (alert: string) => string;
  /** Name of the alarm on a job's dead-letter queue; stacks/names.ts `deadLetterAlarm`. */
  alarmName: (step: Step) => string;
  topic: AlertTopic;
  jobs: Record<Step, JobFunction>;
}

/**
 * Each alert rule: its name, and the readable text an input transformer fills
 * from the event (EventBridge `<name>` placeholders).
 */
const ALERTS = {
  crawlerFailed: {
    name: 'crawler-failed',
    inputTransformer: {
      inputPaths: { crawler: '$.detail.crawlerName', message: '$.detail.errorMessage', time: '$.time' },
      inputTemplate: '"lakehouse: Glue crawler <crawler> failed at <time>: <message>"',
    },
  },
};

/** The crawler failure rule and the dead-letter alarms, publishing to the alert topic. */
export class FailureAlerts extends Construct {
  readonly rules: CloudwatchEventRule[] = [];
  readonly alarms: CloudwatchMetricAlarm[] = [];

  constructor(scope: Construct, id: string, props: FailureAlertsProps) {
    super(scope, id);
    const patterns = alertPatterns(props.names);
    for (const key of ['crawlerFailed'] as const) {
      const alert = ALERTS[key];
      const rule = new CloudwatchEventRule(this, `${alert.name}-rule`, {
        name: props.ruleName(alert.name),
        description: `alert: ${alert.name.replace(/-/g, ' ')}`,
        eventBusName: DEFAULT_EVENT_BUS,
        eventPattern: JSON.stringify(patterns[key]),
      });
      new CloudwatchEventTarget(this, `${alert.name}-target`, {
        rule: rule.name,
        eventBusName: DEFAULT_EVENT_BUS,
        targetId: 'alert-topic',
        arn: props.topic.topic.arn,
        inputTransformer: alert.inputTransformer,
      });
      this.rules.push(rule);
    }
    for (const [step, job] of Object.entries(props.jobs) as [Step, JobFunction][]) {
      this.alarms.push(
        new CloudwatchMetricAlarm(this, `${step}-dead-letters`, {
          alarmName: props.alarmName(step),
          alarmDescription: `lakehouse: ${step} failed after its retries; the failed events wait in its dead-letter queue`,
          namespace: 'AWS/SQS',
          metricName: 'ApproximateNumberOfMessagesVisible',
          dimensions: { QueueName: job.deadLetterQueue.name },
          statistic: 'Maximum',
          period: 300,
          evaluationPeriods: 1,
          threshold: 0,
          comparisonOperator: 'GreaterThanThreshold',
          treatMissingData: 'notBreaching',
          alarmActions: [props.topic.topic.arn],
        }),
      );
    }
    props.topic.allowPublishers(
      this.rules.map((r) => r.arn),
      this.alarms.map((a) => a.arn),
    );
  }
}
