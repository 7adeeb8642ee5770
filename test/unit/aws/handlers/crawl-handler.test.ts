import '../handler-env';
import { GlueClient, StartCrawlerCommand } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { TransientError } from '../../../../jobs/lib/core/errors';
import { handler, logger } from '../../../../jobs/crawl/handler';
import { awsError } from '../helpers';
import { altered, contextFields, fixture, lambdaContext, withLogLines } from './fixtures';

const glue = mockClient(GlueClient);
beforeEach(() => glue.reset());

describe('crawl handler', () => {
  // First in the file: the container's first invocation is its cold start.
  it('puts the Lambda context on every log line, with the cold start on the first invocation only', async () => {
    glue.on(StartCrawlerCommand).resolves({});
    const first = lambdaContext('crawl');
    const { lines } = await withLogLines(logger, () => handler(fixture('s3-object-created-manifest'), first));
    expect(lines.map((l) => l.message)).toEqual(['crawl requested']);
    expect(lines[0]).toMatchObject({ level: 'INFO', service: 'crawl', ...contextFields(first), cold_start: true });
    const second = lambdaContext('crawl');
    const again = await withLogLines(logger, () => handler(fixture('s3-object-created-manifest'), second));
    expect(again.lines[0]).toMatchObject({ ...contextFields(second), cold_start: false });
    expect(second.awsRequestId).not.toBe(first.awsRequestId);
  });

  it('starts the raw crawler when a manifest lands in the raw bucket', async () => {
    glue.on(StartCrawlerCommand).resolves({});
    expect(await handler(fixture('s3-object-created-manifest'), lambdaContext('crawl'))).toEqual({
      status: 'ok',
      step: 'crawl',
      result: { zone: 'raw', outcome: 'started' },
    });
    expect(glue.commandCalls(StartCrawlerCommand).map((c) => c.args[0].input)).toEqual([{ Name: 'lakehouse-raw' }]);
  });

  it('starts the cleaned crawler on ZoneWritten cleaned, and a running crawler is fine', async () => {
    glue.on(StartCrawlerCommand).rejects(awsError('CrawlerRunningException', 400));
    const out = await handler(fixture('zone-written-cleaned'), lambdaContext('crawl'));
    expect(out).toEqual({ status: 'ok', step: 'crawl', result: { zone: 'cleaned', outcome: 'already-running' } });
    expect(glue.commandCalls(StartCrawlerCommand)[0].args[0].input).toEqual({ Name: 'lakehouse-cleaned' });
  });

  it('rejects a malformed event with a clear terminal failure and calls nothing', async () => {
    const out = await handler(
      altered('s3-object-created-manifest', (e) => delete e.detail.bucket),
      lambdaContext('crawl'),
    );
    expect(out).toMatchObject({ status: 'failed', step: 'crawl', error: { name: 'TerminalError' } });
    expect((out as { error: { message: string } }).error.message).toMatch(/bad Object Created event: detail\.bucket/);
    expect(glue.calls()).toHaveLength(0);
  });

  it('rejects events that start no crawl: a part file, a landing file, another bucket, a crawler event', async () => {
    for (const event of [
      altered(
        's3-object-created-manifest',
        (e) => (e.detail.object.key = 'sales_order/run_id=20250225t132609z/part-00000.jsonl.gz'),
      ),
      fixture('s3-object-created-landing'),
      altered('s3-object-created-manifest', (e) => (e.detail.bucket.name = 'someone-elses-bucket')),
      fixture('glue-crawler-succeeded-raw'),
      { hello: 'world' },
    ]) {
      expect(await handler(event, lambdaContext('crawl'))).toMatchObject({ status: 'failed', error: { name: 'TerminalError' } });
    }
    expect(glue.calls()).toHaveLength(0);
  });

  it('rethrows throttling so Lambda retries', async () => {
    glue.on(StartCrawlerCommand).rejects(awsError('ThrottlingException', 400));
    await expect(handler(fixture('s3-object-created-manifest'), lambdaContext('crawl'))).rejects.toBeInstanceOf(TransientError);
  });
});
