/**
 * Notifier over SNS: publishes an alert to the pipeline's alert topic, whose
 * email subscription delivers it (docs/architecture.md "Alerts").
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notifier } from '../../core/ports';
import { awsCall } from './classify-aws-error';

/** SNS limits the email subject to 100 characters (SNS Publish API reference). */
export const SNS_SUBJECT_MAX = 100;

/**
 * Makes a subject SNS accepts: ASCII printable characters only, no line
 * breaks, at most 100 characters (cut with `…` replaced by `...`).
 */
export function snsSubject(subject: string): string {
  const clean =
    subject
      .replace(/[\r\n\t]+/g, ' ')
      .replace(/[^\x20-\x7e]/g, '?')
      .trim() || 'lakehouse alert';
  return clean.length <= SNS_SUBJECT_MAX ? clean : `${clean.slice(0, SNS_SUBJECT_MAX - 3)}...`;
}

/** Notifier over SNS Publish to the alert topic. */
export class SnsNotifier implements Notifier {
  /**
   * @param client   SNS client
   * @param topicArn the alert topic
   */
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  /** Publishes `body` with a subject made safe by {@link snsSubject}. Throws classified SDK errors. */
  async notify(message: { subject: string; body: string }): Promise<void> {
    await awsCall(`sns Publish to ${this.topicArn}`, () =>
      this.client.send(
        new PublishCommand({ TopicArn: this.topicArn, Subject: snsSubject(message.subject), Message: message.body }),
      ),
    );
  }
}
