import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { TerminalError, TransientError } from '../../../jobs/lib/core/errors';
import type { PipelineEvent } from '../../../jobs/lib/definition/events';
import { EventBridgePublisher } from '../../../jobs/lib/adapters/aws/eventbridge-publisher';
import { awsError } from './helpers';

const eb = mockClient(EventBridgeClient);
const publisher = () => new EventBridgePublisher(new EventBridgeClient({ region: 'eu-west-2' }), 'lakehouse');
const zoneWritten: PipelineEvent = {
  source: 'lakehouse',
  'detail-type': 'ZoneWritten',
  detail: { zone: 'cleaned', runs: ['20250225t132609z'] },
};

beforeEach(() => eb.reset());

describe('EventBridgePublisher', () => {
  it('puts our event on the custom bus', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    await publisher().publish(zoneWritten);
    expect(eb.commandCalls(PutEventsCommand)[0].args[0].input).toEqual({
      Entries: [
        {
          EventBusName: 'lakehouse',
          Source: 'lakehouse',
          DetailType: 'ZoneWritten',
          Detail: '{"zone":"cleaned","runs":["20250225t132609z"]}',
        },
      ],
    });
  });

  it('checks FailedEntryCount: throttled entries are transient, others terminal', async () => {
    eb.on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }] })
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed' }] });
    await expect(publisher().publish(zoneWritten)).rejects.toThrow(
      new TransientError('eventbridge PutEvents rejected ZoneWritten: ThrottlingException Rate exceeded'),
    );
    await expect(publisher().publish(zoneWritten)).rejects.toBeInstanceOf(TerminalError);
  });

  it('classifies call failures and refuses aws.* sources without calling', async () => {
    eb.on(PutEventsCommand).rejects(awsError('InternalException', 500));
    await expect(publisher().publish(zoneWritten)).rejects.toBeInstanceOf(TransientError);
    eb.reset();
    await expect(
      publisher().publish({
        source: 'aws.glue',
        'detail-type': 'Glue Crawler State Change',
        detail: { crawlerName: 'x', state: 'Succeeded', zone: 'raw' },
      }),
    ).rejects.toThrow(/reserves aws\.\* sources/);
    expect(eb.calls()).toHaveLength(0);
  });
});
