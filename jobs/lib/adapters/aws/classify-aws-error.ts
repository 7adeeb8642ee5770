/**
 * Sorts AWS SDK failures into "a retry may help" (TransientError) and "a retry
 * will not help" (TerminalError), keeping the SDK error as `cause`
 * (docs/architecture.md "Conventions"). Handlers rethrow the transient ones so Lambda retries.
 *
 * The rules are the SDK's own: the service error classification its retry
 * strategy uses (`@smithy/core/retry`, formerly `@smithy/service-error-classification`):
 * throttling (HTTP 429 and the known throttling codes, e.g. ThrottlingException,
 * TooManyRequestsException, SlowDown), transient errors (500/502/503/504,
 * timeouts, Node network errors such as ECONNRESET, anything marked
 * `$retryable`, also through `cause`) and other server errors (5xx). Clock
 * skew is left to the SDK (it corrects its clock and retries by itself;
 * `isClockSkewError` would also call AccessDeniedException retryable).
 * Added to them: the service errors below, client-fault (4xx) errors that the
 * SDK does not know but that clear by themselves.
 */
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { TerminalError, TransientError, isTransient } from '../../core/errors';

/**
 * Client-fault (4xx) service errors, by SDK error name, that clear by
 * themselves so that a later retry may succeed; each from the documented
 * errors of an operation we call (the SDK command docs' `@throws`):
 */
const SERVICE_BUSY = new Set([
  // Glue StartCrawler: the crawler is already running.
  'CrawlerRunningException',
  // Glue StartCrawler, GetTables, GetPartitions: "The operation timed out."
  'OperationTimeoutException',
  // Glue GetTables, GetPartitions: a federated source failed in a way worth retrying.
  'FederationSourceRetryableException',
  // Glue GetPartitions: the table is not ready yet.
  'ResourceNotReadyException',
  // Redshift Data API ExecuteStatement, BatchExecuteStatement: too many statements / sessions running.
  'ActiveStatementsExceededException',
  'ActiveSessionsExceededException',
  // Redshift Data API DescribeStatement, GetStatementResult: too many waiting requests.
  'ActiveWaitingRequestsExceededException',
  // SNS Publish: KMS throttled the topic's encryption key.
  'KMSThrottlingException',
  // S3 PutObject with If-Match / If-None-Match: HTTP 409 when a concurrent
  // operation on the key happens during the write; "On a 409 failure you
  // should retry" (S3 API reference, PutObject). Not modelled by the SDK.
  'ConditionalRequestConflict',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/** The SDK classifiers' argument type. */
type SdkError = Parameters<typeof isTransientError>[0];

/**
 * True when `error` (an AWS SDK v3 error or a Node network error) is worth
 * retrying: what the SDK's retry strategy counts as throttling, transient or
 * a server error, or a busy resource of {@link SERVICE_BUSY} (e.g. a crawler
 * already running). Our own TransientError counts too.
 */
export function isTransientAwsError(error: unknown): boolean {
  if (isTransient(error)) return true;
  if (typeof error !== 'object' || error === null) return false;
  if (SERVICE_BUSY.has((error as SdkErrorShape).name ?? '')) return true;
  const e = error as SdkError;
  return isThrottlingError(e) || isTransientError(e) || isServerError(e);
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
