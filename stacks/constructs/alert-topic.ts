/**
 * The SNS topic alerts go to, with the configured email subscription (the
 * recipient confirms it from the inbox once). Its topic policy lets only the
 * given EventBridge rules and CloudWatch alarms of this account publish; the
 * scan-logs job publishes through its IAM role.
 */
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { Construct } from 'constructs';
import type { AwsContext } from './aws-context';
import { policyDocument } from './policy';

export interface AlertTopicProps {
  aws: AwsContext;
  topicName: string;
  email: string;
}

/** The alert SNS topic and its email subscription; `allowPublishers` writes its policy. */
export class AlertTopic extends Construct {
  readonly topic: SnsTopic;
  private readonly aws: AwsContext;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.aws = props.aws;
    this.topic = new SnsTopic(this, 'topic', { name: props.topicName, displayName: 'lakehouse alerts' });
    new SnsTopicSubscription(this, 'email', { topicArn: this.topic.arn, protocol: 'email', endpoint: props.email });
  }

  /** Writes the topic policy: `eventRuleArns` (EventBridge) and `alarmArns` (CloudWatch) may publish. Call once. */
  allowPublishers(eventRuleArns: string[], alarmArns: string[]): void {
    const publish = (sid: string, service: string, sourceArns: string[]) => ({
      sid,
      actions: ['sns:Publish'],
      resources: [this.topic.arn],
      principals: [{ type: 'Service' as const, identifiers: [service] }],
      conditions: [
        { test: 'ArnEquals', variable: 'aws:SourceArn', values: sourceArns },
        { test: 'StringEquals', variable: 'aws:SourceAccount', values: [this.aws.accountId] },
      ],
    });
    new SnsTopicPolicy(this, 'policy', {
      arn: this.topic.arn,
      policy: policyDocument(this, 'policy-document', [
        publish('FailureRulesPublish', 'events.amazonaws.com', eventRuleArns),
        publish('DeadLetterAlarmsPublish', 'cloudwatch.amazonaws.com', alarmArns),
      ]).json,
    });
  }
}
