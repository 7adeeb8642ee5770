/**
 * What the handler tests hand a handler: the real-shaped AWS events in
 * test/unit/aws/fixtures/ (shapes from the AWS documentation's example
 * events), a Lambda context, and a way to read the log lines an invocation writes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import type { PowertoolsLoggerAdapter } from '../../../../jobs/lib/adapters/powertools/lambda-logger';
import { ACCOUNT } from '../handler-env';

export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', `${name}.json`), 'utf8')) as T;
}

/** A deep copy of a fixture with one change applied. */
export function altered(name: string, change: (event: Record<string, any>) => void): Record<string, unknown> {
  const event = fixture<Record<string, any>>(name);
  change(event);
  return event;
}

let invocations = 0;

/** The context Lambda passes the `lakehouse-<step>` function, with a request id of its own per call unless given. */
export function lambdaContext(
  step: string,
  awsRequestId = `c0ffee00-0000-4000-8000-${String(++invocations).padStart(12, '0')}`,
): Context {
  const functionName = `lakehouse-${step}`;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-2:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2025/02/25/[$LATEST]6f4b1c0a2b3c4d5e6f7a8b9c0d1e2f3a',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The fields Powertools adds to every log line of an invocation given `context`. */
export function contextFields(context: Context): Record<string, unknown> {
  return {
    function_name: context.functionName,
    function_arn: context.invokedFunctionArn,
    function_memory_size: context.memoryLimitInMB,
    function_request_id: context.awsRequestId,
    cold_start: expect.any(Boolean),
  };
}

/**
 * Runs `invoke` with `logger` at DEBUG (the handler tests run it SILENT) and
 * its output captured; returns what it returned and the JSON lines the logger wrote.
 */
export async function withLogLines<T>(
  logger: PowertoolsLoggerAdapter,
  invoke: () => Promise<T>,
): Promise<{ result: T; lines: Record<string, any>[] }> {
  // Powertools writes WARN and ERROR lines to stderr, the others to stdout (Lambda sends both to CloudWatch).
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  const level = logger.powertools.getLevelName();
  logger.powertools.setLogLevel('DEBUG');
  try {
    const result = await invoke();
    const lines = written
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>);
    return { result, lines };
  } finally {
    logger.powertools.setLogLevel(level);
    for (const spy of spies) spy.mockRestore();
  }
}
