/**
 * Sorts AWS SDK failures into "a retry may help" (TransientError) and "a retry
 * will not help" (TerminalError), keeping the SDK error as `cause`
 * (DESIGN.md §6). Handlers rethrow the transient ones so Lambda retries.
 *
 * Sources of the rules: the AWS SDK for JavaScript v3 retry strategy
 * (throttling error codes, 5xx, transient network errors) and the per-service
 * error lists of Glue (CrawlerRunningException, ConcurrentRunsExceededException),
 * Athena (TooManyRequestsException), S3 (SlowDown, ConditionalRequestConflict)
 * and the Redshift Data API (ActiveStatementsExceededException).
 */
import { TerminalError, TransientError, isTransient } from '../../core/errors';

/** Error names (SDK `error.name`) that mean "too many requests": retry later. */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'SlowDown',
  'BandwidthLimitExceeded',
  'TransactionInProgressException',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);

/** Service errors that clear by themselves (a busy resource, a lost race, a timeout on the service side). */
const BUSY = new Set([
  'CrawlerRunningException',
  'ConcurrentRunsExceededException',
  'OperationTimeoutException',
  'ConcurrentModificationException',
  'ConditionalRequestConflict',
  'ActiveStatementsExceededException',
  'ActiveSessionsExceededException',
  'InternalServerException',
  'InternalServiceError',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** Node network error codes that a new connection may not hit. */
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH']);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/**
 * True when `error` (an AWS SDK v3 error or a Node network error) is worth
 * retrying: throttling, HTTP 5xx, timeouts, transient network errors, a busy
 * resource (e.g. a crawler already running). Our own TransientError counts too.
 */
export function isTransientAwsError(error: unknown): boolean {
  if (isTransient(error)) return true;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkErrorShape;
  if (e.name && (THROTTLING.has(e.name) || BUSY.has(e.name))) return true;
  if (e.code && NETWORK_CODES.has(e.code)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return false;
}

/**
 * Wraps any thrown value from an AWS call into a TransientError or a
 * TerminalError whose message starts with `context` (what we were doing, e.g.
 * `athena StartQueryExecution for cleaned.sales_order`) and names the SDK error.
 * TransientError / TerminalError values pass through unchanged. Never throws.
 */
export function classifyAwsError(error: unknown, context: string): TransientError | TerminalError {
  if (error instanceof TransientError || error instanceof TerminalError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const what = e.name && e.name !== 'Error' ? `${e.name}: ${e.message ?? ''}` : (e.message ?? String(error));
  const message = `${context}: ${what}`.trim();
  return isTransientAwsError(error)
    ? new TransientError(message, { cause: error })
    : new TerminalError(message, { cause: error });
}

/** Runs `call` and rethrows any failure through {@link classifyAwsError} with `context`. */
export async function awsCall<T>(context: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classifyAwsError(error, context);
  }
}

/** The SDK error name of a thrown value (`error.name`), or undefined. */
export function awsErrorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape).name : undefined;
}

/** The HTTP status of an SDK error (`$metadata.httpStatusCode`), or undefined. */
export function awsHttpStatus(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape).$metadata?.httpStatusCode : undefined;
}
