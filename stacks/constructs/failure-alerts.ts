/**
 * Alerts that do not go through a job's logs: EventBridge rules for failed
 * Glue crawlers and failed Athena queries (patterns from
 * jobs/lib/event-patterns.ts `alertPatterns`), and a CloudWatch alarm on
 * every job's dead-letter queue, all publishing to the alert topic.
 */
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { Construct } from 'constructs';
import { alertPatterns, DEFAULT_EVENT_BUS, type DeployedNames } from '../../jobs/lib/event-patterns';
import type { Step } from '../../jobs/lib/pipeline';
import type { AlertTopic } from './alert-topic';
import type { JobFunction } from './job-function';

export interface FailureAlertsProps {
  names: DeployedNames;
  namePrefix: string;
  topic: AlertTopic;
  jobs: Record<Step, JobFunction>;
}

/** Readable alert texts, filled from the event by an input transformer (EventBridge `<name>` placeholders). */
const ALERT_TEXT = {
  crawlerFailed: {
    inputPaths: { crawler: '$.detail.crawlerName', message: '$.detail.errorMessage', time: '$.time' },
    inputTemplate: '"lakehouse: Glue crawler <crawler> failed at <time>: <message>"',
  },
  athenaQueryFailed: {
    inputPaths: { query: '$.detail.queryExecutionId', workgroup: '$.detail.workgroupName', time: '$.time' },
    inputTemplate: '"lakehouse: Athena query <query> in workgroup <workgroup> failed at <time>. See the query history for the reason."',
  },
};

/** Crawler / Athena failure rules and dead-letter alarms, publishing to the alert topic. */
export class FailureAlerts extends Construct {
  readonly rules: CloudwatchEventRule[] = [];
  readonly alarms: CloudwatchMetricAlarm[] = [];

  constructor(scope: Construct, id: string, props: FailureAlertsProps) {
    super(scope, id);
    const patterns = alertPatterns(props.names);
    for (const key of ['crawlerFailed', 'athenaQueryFailed'] as const) {
      const suffix = key === 'crawlerFailed' ? 'crawler-failed' : 'athena-query-failed';
      const rule = new CloudwatchEventRule(this, `${suffix}-rule`, {
        name: `${props.namePrefix}-${suffix}`,
        description: `alert: ${suffix.replace(/-/g, ' ')}`,
        eventBusName: DEFAULT_EVENT_BUS,
        eventPattern: JSON.stringify(patterns[key]),
      });
      new CloudwatchEventTarget(this, `${suffix}-target`, {
        rule: rule.name,
        eventBusName: DEFAULT_EVENT_BUS,
        targetId: 'alert-topic',
        arn: props.topic.topic.arn,
        inputTransformer: ALERT_TEXT[key],
      });
      this.rules.push(rule);
    }
    for (const [step, job] of Object.entries(props.jobs)) {
      this.alarms.push(
        new CloudwatchMetricAlarm(this, `${step}-dead-letters`, {
          alarmName: `${props.namePrefix}-${step}-dead-letters`,
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
