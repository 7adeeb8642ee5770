/**
 * What every Lambda handler shares: the SDK client options, the system clock,
 * the Lambda context in every log line, and the error policy (docs/architecture.md "Conventions").
 *
 * Error policy, the same for every handler:
 * - a TransientError (throttling, 5xx, timeouts, a lost conditional write, a
 *   query still running) is logged at WARN and rethrown: Lambda retries the
 *   invocation, then hands the event to the function's on-failure destination;
 * - anything else is terminal (a malformed event, bad SQL, a missing table or
 *   setting): it is logged at ERROR, which the scan-logs subscription turns
 *   into one alert email, and the handler RETURNS `{ status: 'failed', … }`
 *   instead of throwing, so Lambda does not retry something a retry cannot
 *   fix (and does not send the same alert three times). The run ledger keeps
 *   the run's failure for a person to fix and re-run.
 */
import type { Context } from 'aws-lambda';
import { errorMessage, isTransient } from '../../core/errors';
import type { Logger } from '../../core/logger';
import type { Clock } from '../../core/ports';
import { awsClientConfig } from '../../adapters/aws/retry';
import type { PowertoolsLoggerAdapter } from '../../adapters/powertools/lambda-logger';

/** Options for every SDK client: region from Lambda's AWS_REGION, adaptive retries (retry.ts). */
export const clientConfig = () => awsClientConfig(process.env.AWS_REGION);

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/** What a handler returns when it gave up on a terminal error. */
export interface HandlerFailure {
  status: 'failed';
  step: string;
  error: { name: string; message: string };
}

/** What a handler returns when the job ran. */
export interface HandlerSuccess<T> {
  status: 'ok';
  step: string;
  result: T;
}

/**
 * Runs `job` under the error policy above. Returns `{ status: 'ok', result }`,
 * or `{ status: 'failed', error }` after logging a terminal error; rethrows
 * transient errors after logging them.
 */
export async function runStep<T>(
  step: string,
  logger: Logger,
  job: () => Promise<T>,
): Promise<HandlerSuccess<T> | HandlerFailure> {
  try {
    const result = await job();
    return { status: 'ok', step, result };
  } catch (error) {
    const name = error instanceof Error ? error.name : typeof error;
    if (isTransient(error)) {
      logger.warn('transient failure: Lambda will retry', { step, errorName: name, error: errorMessage(error) });
      throw error;
    }
    logger.error(`${step} failed`, { step, errorName: name, error: errorMessage(error) });
    return { status: 'failed', step, error: { name, message: errorMessage(error) } };
  }
}

/** What Lambda calls: the event and the invocation's context. */
export type LambdaHandler<T> = (event: unknown, context: Context) => Promise<HandlerSuccess<T> | HandlerFailure>;

/**
 * The Lambda handler of `step`: for each invocation it first adds the Lambda
 * context (function name and ARN, memory, request id, cold start) to
 * `logger`, so every line of the invocation carries it, then runs
 * `job(event)` under {@link runStep}'s error policy.
 */
export function lambdaHandler<T>(
  step: string,
  logger: PowertoolsLoggerAdapter,
  job: (event: unknown) => Promise<T>,
): LambdaHandler<T> {
  return (event, context) => {
    logger.addContext(context);
    return runStep(step, logger, () => job(event));
  };
}
