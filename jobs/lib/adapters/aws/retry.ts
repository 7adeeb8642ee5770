/**
 * Retrying and waiting on AWS.
 *
 * - Request retries are the SDK's own: every client is built with
 *   {@link awsClientConfig} (adaptive retry mode: exponential backoff with
 *   jitter plus a client-side rate limiter that slows down on throttling).
 * - Waiting for long-running work (an Athena query, a Redshift Data API
 *   statement) is {@link pollUntil}: bounded exponential backoff with an
 *   overall deadline, after which a TransientError says "still running" so a
 *   Lambda retry resumes the same work (the request tokens are deterministic).
 */
import { TransientError } from '../../core/errors';

/** Attempts per SDK request (first try + retries) used by {@link awsClientConfig}. */
export const SDK_MAX_ATTEMPTS = 5;

/**
 * Client options for every SDK client the handlers build:
 * `{ maxAttempts: 5, retryMode: 'adaptive' }` plus `region` when given.
 * Source: AWS SDK for JavaScript v3, "Retry behavior" (standard/adaptive modes).
 */
export function awsClientConfig(region?: string): { maxAttempts: number; retryMode: 'adaptive'; region?: string } {
  return { maxAttempts: SDK_MAX_ATTEMPTS, retryMode: 'adaptive', ...(region ? { region } : {}) };
}

/** How {@link pollUntil} spaces its checks. All times in milliseconds. */
export interface PollOptions {
  /** First wait after the first check. Default 500 ms. */
  initialDelayMs?: number;
  /** Longest single wait. Default 10 s. */
  maxDelayMs?: number;
  /** Growth per check. Default 2. */
  factor?: number;
  /** Give up after this much total waiting. Default 10 minutes. */
  timeoutMs?: number;
  /** Injected sleep (tests pass a fake that records the delays). */
  sleep?: (ms: number) => Promise<void>;
}

/** The real sleep. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The waits of a bounded exponential backoff: initial, initial·factor, …,
 * capped at `maxDelayMs`, stopping before their sum would pass `timeoutMs`.
 */
export function backoffDelays(options: PollOptions = {}): number[] {
  const initial = options.initialDelayMs ?? 500;
  const max = options.maxDelayMs ?? 10_000;
  const factor = options.factor ?? 2;
  const timeout = options.timeoutMs ?? 600_000;
  const delays: number[] = [];
  let total = 0;
  for (let delay = initial; total + Math.min(delay, max) <= timeout; delay *= factor) {
    const d = Math.min(delay, max);
    delays.push(d);
    total += d;
  }
  return delays;
}

/**
 * Calls `check` until it returns a value other than undefined, waiting the
 * {@link backoffDelays} between calls. Returns that value. Errors thrown by
 * `check` propagate at once. Throws TransientError naming `what` when the
 * deadline passes with the work still running (a retry may find it finished).
 */
export async function pollUntil<T>(what: string, check: () => Promise<T | undefined>, options: PollOptions = {}): Promise<T> {
  const wait = options.sleep ?? sleep;
  const first = await check();
  if (first !== undefined) return first;
  for (const delay of backoffDelays(options)) {
    await wait(delay);
    const value = await check();
    if (value !== undefined) return value;
  }
  throw new TransientError(`${what}: still running after ${options.timeoutMs ?? 600_000} ms`);
}
