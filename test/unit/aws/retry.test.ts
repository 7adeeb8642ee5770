import { Readable } from 'node:stream';
import { GlueClient, StartCrawlerCommand } from '@aws-sdk/client-glue';
import { TransientError } from '../../../jobs/lib/core/errors';
import { awsClientConfig, backoffDelays, pollUntil } from '../../../jobs/lib/adapters/aws/retry';
import { fakeSleep } from './helpers';

/**
 * A request handler standing in for the Glue endpoint: answers with the given
 * HTTP responses in turn, so the SDK's real retry middleware runs offline.
 */
function scriptedGlue(responses: { status: number; errorType?: string }[]) {
  const seen: number[] = [];
  const requestHandler = {
    handle: async () => {
      const r = responses[Math.min(seen.length, responses.length - 1)];
      seen.push(r.status);
      const body = r.errorType ? JSON.stringify({ __type: r.errorType, message: 'scripted' }) : '{}';
      return {
        response: {
          statusCode: r.status,
          headers: { 'content-type': 'application/x-amz-json-1.1', ...(r.errorType ? { 'x-amzn-errortype': r.errorType } : {}) },
          body: Readable.from([Buffer.from(body)]),
        },
      };
    },
  };
  const client = new GlueClient({
    ...awsClientConfig('eu-west-2'),
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler,
  });
  return { client, seen };
}

describe('awsClientConfig (the SDK retry settings every handler uses)', () => {
  it('is adaptive retry with five attempts', () => {
    expect(awsClientConfig('eu-west-2')).toEqual({ maxAttempts: 5, retryMode: 'adaptive', region: 'eu-west-2' });
    expect(awsClientConfig()).toEqual({ maxAttempts: 5, retryMode: 'adaptive' });
  });

  it('makes the real SDK retry throttling until it succeeds', async () => {
    const { client, seen } = scriptedGlue([{ status: 400, errorType: 'ThrottlingException' }, { status: 200 }]);
    const out = await client.send(new StartCrawlerCommand({ Name: 'lakehouse-raw' }));
    expect(seen).toEqual([400, 200]);
    expect(out.$metadata.attempts).toBe(2);
  });

  it('makes the real SDK retry a 5xx and give up after five attempts', async () => {
    const { client, seen } = scriptedGlue([{ status: 500, errorType: 'InternalServiceException' }]);
    await expect(client.send(new StartCrawlerCommand({ Name: 'lakehouse-raw' }))).rejects.toMatchObject({
      name: 'InternalServiceException',
    });
    expect(seen).toHaveLength(5);
  });

  it('does not retry a client error', async () => {
    const { client, seen } = scriptedGlue([{ status: 400, errorType: 'EntityNotFoundException' }]);
    await expect(client.send(new StartCrawlerCommand({ Name: 'nope' }))).rejects.toMatchObject({
      name: 'EntityNotFoundException',
    });
    expect(seen).toHaveLength(1);
  });
});

describe('backoffDelays / pollUntil', () => {
  it('grows exponentially, caps each wait and stops at the deadline', () => {
    expect(backoffDelays({ initialDelayMs: 100, maxDelayMs: 1000, factor: 2, timeoutMs: 3000 })).toEqual([
      100, 200, 400, 800, 1000,
    ]);
  });

  it('returns the first defined value, waiting the backoff between checks', async () => {
    const { sleep, delays } = fakeSleep();
    let n = 0;
    const value = await pollUntil('job', async () => (++n === 4 ? 'done' : undefined), { initialDelayMs: 10, factor: 3, sleep });
    expect(value).toBe('done');
    expect(delays).toEqual([10, 30, 90]);
  });

  it('throws TransientError when the work is still running at the deadline', async () => {
    const { sleep, delays } = fakeSleep();
    await expect(
      pollUntil('athena query q-1', async () => undefined, { initialDelayMs: 10, maxDelayMs: 20, timeoutMs: 50, sleep }),
    ).rejects.toThrow(new TransientError('athena query q-1: still running after 50 ms'));
    expect(delays).toEqual([10, 20, 20]);
  });
});
