/**
 * Forwards the error lines of every job's log group to the scan-logs job
 * (CloudWatch Logs subscription filters), which groups them and emails one
 * alert per batch. scan-logs' own log group is not forwarded to itself, so a
 * failing scan cannot feed itself; its failures reach the alert topic
 * through its dead-letter alarm instead.
 */
import { CloudwatchLogSubscriptionFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-subscription-filter';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { Construct } from 'constructs';
import type { Step } from '../../jobs/lib/definition/run-stages';
import type { AwsContext } from './aws-context';
import type { JobFunction } from './job-function';

/**
 * CloudWatch Logs filter pattern of the lines forwarded: the jobs' structured
 * (Powertools JSON) lines at level ERROR or CRITICAL, which the jobs write
 * exactly when a person has to act (a terminal failure, rejected rows, a
 * quarantined file). A JSON pattern, so only the `level` field counts, never
 * the word in a message (CloudWatch Logs user guide, "Filter pattern syntax",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html).
 *
 * Deliberately not forwarded: transient failures (logged at WARN, then the
 * runtime's `ERROR Invoke Error` line when the handler rethrows), timeouts and
 * init failures. Lambda retries all of those; what still fails after the
 * retries lands in the job's dead-letter queue, whose alarm alerts once
 * (failure-alerts.ts).
 */
export const ERROR_FILTER_PATTERN = '{ ($.level = "ERROR") || ($.level = "CRITICAL") }';

export interface LogSubscriptionsProps {
  aws: AwsContext;
  jobs: Record<Step, JobFunction>;
  /** The step that receives the logs (scan-logs). */
  scanner: Step;
}

/** Subscription filters from every job's log group (but the scanner's) to the scanner Lambda. */
export class LogSubscriptions extends Construct {
  readonly filters: Partial<Record<Step, CloudwatchLogSubscriptionFilter>> = {};

  constructor(scope: Construct, id: string, props: LogSubscriptionsProps) {
    super(scope, id);
    const scanner = props.jobs[props.scanner];
    for (const [step, job] of Object.entries(props.jobs) as [Step, JobFunction][]) {
      if (step === props.scanner) continue;
      const permission = new LambdaPermission(this, `${step}-invoke`, {
        statementId: `logs-${step}`,
        action: 'lambda:InvokeFunction',
        functionName: scanner.fn.functionName,
        principal: 'logs.amazonaws.com',
        sourceArn: props.aws.logStreamsArn(job.logGroup.name),
      });
      this.filters[step] = new CloudwatchLogSubscriptionFilter(this, `${step}-errors`, {
        name: `${step}-errors-to-${props.scanner}`,
        logGroupName: job.logGroup.name,
        filterPattern: ERROR_FILTER_PATTERN,
        destinationArn: scanner.fn.arn,
        dependsOn: [permission],
      });
    }
  }
}
