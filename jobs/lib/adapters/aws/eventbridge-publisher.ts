/**
 * EventPublisher over EventBridge PutEvents: our custom events (`ZoneWritten`,
 * source `lakehouse`) go to the pipeline's custom bus, where the rules of
 * `event-patterns.ts` route them.
 */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { TerminalError, TransientError } from '../../core/errors';
import type { PipelineEvent } from '../../definition/events';
import type { EventPublisher } from '../../core/ports';
import { awsCall } from './classify-aws-error';

/** PutEvents entry error codes a retry may clear (EventBridge API reference, PutEventsResultEntry). */
const TRANSIENT_ENTRY_ERRORS = new Set(['ThrottlingException', 'InternalFailure', 'InternalException', 'ServiceUnavailable']);

/** EventPublisher over EventBridge PutEvents, one event per call, to one bus. */
export class EventBridgePublisher implements EventPublisher {
  /**
   * @param client       EventBridge client
   * @param eventBusName the custom bus our rules listen on
   */
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  /**
   * Puts one event (Source, DetailType, Detail as JSON) on the bus.
   * Throws TerminalError for `aws.*` sources (EventBridge reserves them for
   * AWS services: PutEvents would refuse them) and for entry errors such as
   * a malformed detail; TransientError when the entry failed with throttling
   * or an internal failure, or the call itself was throttled / 5xx.
   * PutEvents can return 200 with failed entries, so FailedEntryCount is checked.
   */
  async publish(event: PipelineEvent): Promise<void> {
    if (event.source.startsWith('aws.')) {
      throw new TerminalError(
        `cannot publish a ${event.source} "${event['detail-type']}" event: EventBridge reserves aws.* sources for AWS services`,
      );
    }
    const out = await awsCall(`eventbridge PutEvents ${event['detail-type']} to ${this.eventBusName}`, () =>
      this.client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: this.eventBusName,
              Source: event.source,
              DetailType: event['detail-type'],
              Detail: JSON.stringify(event.detail),
            },
          ],
        }),
      ),
    );
    if ((out.FailedEntryCount ?? 0) === 0) return;
    const entry = out.Entries?.find((e) => e.ErrorCode) ?? {};
    const message =
      `eventbridge PutEvents rejected ${event['detail-type']}: ${entry.ErrorCode ?? 'unknown'} ${entry.ErrorMessage ?? ''}`.trim();
    throw entry.ErrorCode && TRANSIENT_ENTRY_ERRORS.has(entry.ErrorCode)
      ? new TransientError(message)
      : new TerminalError(message);
  }
}
