/**
 * Error classes that say whether a retry can help (docs/architecture.md "Conventions"). Handlers
 * rethrow TransientError so Lambda retries; TerminalError is reported instead.
 */

/** A failure a retry may fix (throttling, 5xx, timeouts, a crawler already running). */
export class TransientError extends Error {
  readonly transient = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** A failure a retry will not fix (bad SQL, bad event, missing table, bad input). */
export class TerminalError extends Error {
  readonly transient = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/** A conditional write lost to another writer (watermarks, ledger records). Transient. */
export class ConflictError extends TransientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConflictError';
  }
}

/** An object or record that does not exist. Terminal. */
export class NotFoundError extends TerminalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotFoundError';
  }
}

/** True when retrying `error` may help. Unknown errors count as terminal. */
export function isTransient(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { transient?: unknown }).transient === true;
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
