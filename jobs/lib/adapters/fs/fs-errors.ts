/**
 * Classifies a local file system failure as retryable or not (docs/architecture.md "Conventions":
 * errors say whether a retry helps).
 */
import { errorMessage, TerminalError, TransientError } from '../../core/errors';

/** Error codes a retry will not fix: the disk or its permissions need a person. */
const TERMINAL_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'EISDIR', 'ENOTDIR']);

/**
 * Wraps a file system error thrown while doing `what` (e.g. `copying raw/x to
 * its archive`): a TerminalError for permission, read-only or full-disk
 * failures (a person must fix the disk first), a TransientError for anything
 * else. The original error is the `cause`; its code is in the message.
 */
export function fsFailure(what: string, error: unknown): TerminalError | TransientError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const detail = code ?? errorMessage(error);
  if (code && TERMINAL_CODES.has(code)) {
    return new TerminalError(`${what} failed (${detail}): fix the disk or its permissions, then run again`, { cause: error });
  }
  return new TransientError(`${what} failed (${detail}): running again may help`, { cause: error });
}
