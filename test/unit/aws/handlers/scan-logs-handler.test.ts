import '../handler-env';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, logger } from '../../../../jobs/scan-logs/handler';
import { encodeCloudWatchLogs, type CloudWatchLogsPayload } from '../../../../jobs/scan-logs/cloudwatch-payload';
import { contextFields, fixture, lambdaContext, withLogLines } from './fixtures';

const sns = mockClient(SNSClient);
beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

describe('scan-logs handler', () => {
  it('sends one email for a CloudWatch Logs batch with errors', async () => {
    const event = encodeCloudWatchLogs(fixture<CloudWatchLogsPayload>('cloudwatch-logs-transform'));
    const out = await handler(event, lambdaContext('scan-logs'));
    expect(out).toMatchObject({ status: 'ok', result: { errors: 2, notified: true } });
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0].args[0].input;
    expect(input.TopicArn).toBe('arn:aws:sns:eu-west-2:111122223333:lakehouse-alerts');
    expect(input.Subject).toBe('lakehouse: 2 errors in transform (run 20250225t132609z)');
    expect(input.Message).toContain(
      'https://eu-west-2.console.aws.amazon.com/cloudwatch/home?region=eu-west-2#logsV2:log-groups/log-group/$252Faws$252Flambda$252Flakehouse-transform/log-events/',
    );
  });

  it('sends nothing for a control message', async () => {
    const context = lambdaContext('scan-logs');
    const { result, lines } = await withLogLines(logger, () =>
      handler(encodeCloudWatchLogs(fixture<CloudWatchLogsPayload>('cloudwatch-logs-control')), context),
    );
    expect(result).toMatchObject({ status: 'ok', result: { errors: 0, notified: false } });
    expect(sns.calls()).toHaveLength(0);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'logs scanned', records: 0, ...contextFields(context) }),
    ]);
  });

  it('alerts on a failed crawler event and ignores a succeeded one', async () => {
    const out = await handler(fixture('glue-crawler-failed'), lambdaContext('scan-logs'));
    expect(out).toMatchObject({ status: 'ok', result: { errors: 1 } });
    const input = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(input.Subject).toBe('lakehouse: 1 error in crawl');
    expect(input.Message).toContain('Glue crawler lakehouse-cleaned failed: Internal Service Exception');
    expect(input.Message).toContain('log-group/$252Faws-glue$252Fcrawlers/log-events/lakehouse-cleaned');
    expect(await handler(fixture('athena-query-failed'), lambdaContext('scan-logs'))).toMatchObject({
      status: 'ok',
      result: { errors: 1 },
    });
    expect(await handler(fixture('glue-crawler-succeeded-raw'), lambdaContext('scan-logs'))).toMatchObject({ status: 'failed' });
  });

  it('rejects a payload that is not gzip JSON', async () => {
    expect(
      await handler({ awslogs: { data: Buffer.from('plain').toString('base64') } }, lambdaContext('scan-logs')),
    ).toMatchObject({
      status: 'failed',
      error: { message: 'CloudWatch Logs payload is not base64-encoded gzip JSON' },
    });
    expect(sns.calls()).toHaveLength(0);
  });
});
