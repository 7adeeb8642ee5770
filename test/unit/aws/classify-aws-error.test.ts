import { ConflictError, TerminalError, TransientError } from '../../../jobs/lib/core/errors';
import { classifyAwsError, isTransientAwsError } from '../../../jobs/lib/adapters/aws/classify-aws-error';
import { awsError } from './helpers';

describe('classifyAwsError', () => {
  it.each([
    ['ThrottlingException', 400],
    ['TooManyRequestsException', 400],
    ['SlowDown', 503],
    ['CrawlerRunningException', 400],
    ['ActiveStatementsExceededException', 400],
    ['InternalServerException', 500],
    ['SomethingNew', 502],
    ['TimeoutError', 0],
    ['SomethingThrottled', 429],
    ['ServiceUnavailable', 503],
    ['HTTPVersionNotSupported', 505],
    ['OperationTimeoutException', 400],
    ['ActiveWaitingRequestsExceededException', 400],
    ['KMSThrottlingException', 400],
    ['ConditionalRequestConflict', 409],
  ])('%s (%i) is transient', (name, status) => {
    const error = awsError(name, status);
    const classified = classifyAwsError(error, 'glue StartCrawler lakehouse-raw');
    expect(classified).toBeInstanceOf(TransientError);
    expect(classified.message).toBe(`glue StartCrawler lakehouse-raw: ${name}: ${name}`);
    expect(classified.cause).toBe(error);
  });

  it.each([
    ['InvalidRequestException', 400],
    ['EntityNotFoundException', 400],
    ['AccessDeniedException', 403],
    ['ValidationException', 400],
    ['SignatureDoesNotMatch', 403],
    ['PreconditionFailed', 412],
  ])('%s (%i) is terminal', (name, status) => {
    expect(classifyAwsError(awsError(name, status), 'x')).toBeInstanceOf(TerminalError);
  });

  it('treats network errors as transient and plain errors as terminal', () => {
    expect(isTransientAwsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientAwsError(new Error('boom'))).toBe(false);
    expect(
      isTransientAwsError(new Error('request failed', { cause: Object.assign(new Error('getaddrinfo'), { code: 'EAI_AGAIN' }) })),
    ).toBe(true);
    expect(isTransientAwsError(Object.assign(new Error('retry me'), { name: 'Unmodelled', $retryable: {} }))).toBe(true);
    expect(isTransientAwsError(Object.assign(new Error('stop'), { name: 'AbortError', code: 'ECONNRESET' }))).toBe(false);
    expect(classifyAwsError('a string', 'ctx').message).toBe('ctx: a string');
  });

  it('passes our own errors through unchanged', () => {
    const conflict = new ConflictError('lost');
    expect(classifyAwsError(conflict, 'ctx')).toBe(conflict);
    const terminal = new TerminalError('bad');
    expect(classifyAwsError(terminal, 'ctx')).toBe(terminal);
  });
});
