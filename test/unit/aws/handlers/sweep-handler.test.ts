import '../handler-env';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, logger } from '../../../../jobs/sweep/handler';
import { BUCKETS } from '../handler-env';
import { runAt } from '../helpers';
import { fakeS3 } from '../s3-fake';
import { contextFields, fixture, lambdaContext, withLogLines } from './fixtures';

const s3 = mockClient(S3Client);
const eventBridge = mockClient(EventBridgeClient);

beforeEach(() => {
  s3.reset();
  eventBridge.reset();
});

describe('sweep handler', () => {
  it('re-emits ZoneWritten for runs stuck longer than the threshold', async () => {
    const lake = fakeS3(s3);
    const long = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const recent = new Date(Date.now() - 60_000).toISOString();
    lake.put(BUCKETS.raw, '_ledger/runs/20250225t132609z.json', JSON.stringify(runAt('20250225t132609z', 'cleaned', long)));
    lake.put(BUCKETS.raw, '_ledger/runs/20250225t140000z.json', JSON.stringify(runAt('20250225t140000z', 'extracted', recent)));
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
    const context = lambdaContext('sweep');
    const { result: out, lines } = await withLogLines(logger, () => handler(fixture('scheduled-tick-sweep'), context));
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['WARN', 'stuck runs nudged'],
      ['INFO', 'sweep done'],
    ]);
    for (const line of lines) expect(line).toMatchObject(contextFields(context));
    expect(out).toEqual({
      status: 'ok',
      step: 'sweep',
      result: { pending: 2, nudged: [{ stage: 'cleaned', zone: 'cleaned', runs: ['20250225t132609z'] }] },
    });
    expect(eventBridge.commandCalls(PutEventsCommand)[0].args[0].input.Entries).toEqual([
      {
        EventBusName: 'lakehouse',
        Source: 'lakehouse',
        DetailType: 'ZoneWritten',
        Detail: '{"zone":"cleaned","runs":["20250225t132609z"]}',
      },
    ]);
  });

  it('rejects the extract tick', async () => {
    fakeS3(s3);
    expect(await handler(fixture('scheduled-tick-extract'), lambdaContext('sweep'))).toMatchObject({
      status: 'failed',
      error: { name: 'TerminalError' },
    });
    expect(eventBridge.calls()).toHaveLength(0);
  });
});
