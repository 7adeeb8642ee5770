/**
 * Plain messages for DuckDB failures a user can act on: the lake catalog held
 * by another process (DuckDB's lock error names its PID), a home that cannot
 * be written, and statements refused by a read-only catalog.
 */
import { errorMessage, TerminalError, TransientError } from '../../core/errors';

/** The PID in DuckDB's lock error (`Conflicting lock is held in /usr/bin/node (PID 1234)`), or undefined. */
export function lockHolderPid(error: unknown): number | undefined {
  const match = /Could not set lock on file[\s\S]*\(PID (\d+)\)/i.exec(errorMessage(error));
  return match ? Number(match[1]) : undefined;
}

/** True for a file-system refusal to write: EACCES, EPERM, EROFS, or DuckDB's "Permission denied" / "Read-only file system". */
export function isReadOnlyFsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return true;
  return /permission denied|read-only file system/i.test(errorMessage(error));
}

/**
 * Turns a failure to open the lake catalog of the home `home` (chosen by
 * `homeOrigin`, e.g. `LAKEHOUSE_HOME`) into a plain error: another lakehouse
 * command holding it (TransientError: it goes away when that command ends),
 * a read-only home (TerminalError), else the error unchanged.
 */
export function describeCatalogOpenError(error: unknown, home: string, homeOrigin: string): unknown {
  const pid = lockHolderPid(error);
  if (pid !== undefined)
    return new TransientError(
      `another lakehouse command is using this home (pid ${pid}): ${home}; wait for it to finish, or stop it`,
      { cause: error },
    );
  if (isReadOnlyFsError(error))
    return new TerminalError(`the lakehouse home ${home} (${homeOrigin}) is read-only: ${errorMessage(error)}`, {
      cause: error,
    });
  return error;
}

/**
 * Turns DuckDB's refusal of a statement in read-only mode ("Cannot execute
 * statement of type "DROP" … read-only mode") into a message saying that
 * `what` only reads; any other error is returned unchanged.
 */
export function describeReadOnlyRefusal(error: unknown, what: string): unknown {
  const message = errorMessage(error);
  const match = /Cannot execute statement of type "([^"]+)".*read-only mode/i.exec(message);
  if (match)
    return new TerminalError(`${what} only reads: ${match[1]} statements are refused and nothing was changed`, {
      cause: error,
    });
  if (/file system operations are disabled by configuration/i.test(message))
    return new TerminalError(`${what} only reads the lakehouse home: ${message.split('\n', 1)[0]}`, { cause: error });
  return error;
}
