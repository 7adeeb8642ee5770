import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { TransientError } from '../../../jobs/lib/core/errors';
import { SnsNotifier, snsSubject } from '../../../jobs/lib/adapters/aws/sns-notifier';
import { awsError } from './helpers';

const sns = mockClient(SNSClient);
beforeEach(() => sns.reset());

describe('SnsNotifier', () => {
  it('publishes subject and body to the topic', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    await new SnsNotifier(new SNSClient({ region: 'eu-west-2' }), 'arn:aws:sns:eu-west-2:1:alerts').notify({
      subject: 'lakehouse: 1 error in load',
      body: 'body',
    });
    expect(sns.commandCalls(PublishCommand)[0].args[0].input).toEqual({
      TopicArn: 'arn:aws:sns:eu-west-2:1:alerts',
      Subject: 'lakehouse: 1 error in load',
      Message: 'body',
    });
  });

  it('keeps subjects within what SNS accepts', () => {
    expect(snsSubject('a\nb … c')).toBe('a b ? c');
    const long = snsSubject('x'.repeat(150));
    expect(long).toHaveLength(100);
    expect(long.endsWith('...')).toBe(true);
  });

  it('classifies throttling as transient', async () => {
    sns.on(PublishCommand).rejects(awsError('ThrottlingException', 400));
    await expect(new SnsNotifier(new SNSClient({}), 'arn').notify({ subject: 's', body: 'b' })).rejects.toBeInstanceOf(
      TransientError,
    );
  });
});
