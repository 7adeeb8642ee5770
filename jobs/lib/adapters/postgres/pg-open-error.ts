/**
 * Plain messages for a PostgreSQL database that cannot be opened: they name
 * the component (source or warehouse) and the setting that chose it, instead
 * of the driver's text. The original error stays as `cause`.
 */
import { errorMessage, TerminalError, TransientError } from '../../core/errors';
import { isRetryablePgError } from './pg-warehouse';

/** Which database failed to open and the setting that points at it, e.g. `{component: 'warehouse', setting: 'LAKEHOUSE_WAREHOUSE_URL'}`. */
export interface PgOpenContext {
  component: 'source' | 'warehouse';
  /** The environment variable (or option) the URL or folder came from. */
  setting: string;
}

/** URL schemes node-postgres accepts. */
const POSTGRES_SCHEMES = new Set(['postgres:', 'postgresql:']);

/** `url` with any password replaced by `***`, or the text unchanged when it is no URL. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * Checks that `url` is a PostgreSQL URL (`postgres://` or `postgresql://` with a host).
 *
 * @throws TerminalError naming the component and the setting, for anything else (mysql://…, a bare word)
 */
export function assertPostgresUrl(url: string, context: PgOpenContext): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !POSTGRES_SCHEMES.has(parsed.protocol) || !parsed.hostname) {
    throw new TerminalError(
      `${context.setting} must be a PostgreSQL URL such as postgres://user:password@host:5432/database (the ${context.component}), got ${JSON.stringify(redact(url))}`,
    );
  }
}

/** The database name of a PostgreSQL URL (node-postgres defaults it to the user name). */
function databaseOf(url: string): string {
  const parsed = new URL(url);
  return decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username) || 'postgres';
}

/**
 * Turns a failure to open the server database at `url` into a message a user
 * can act on: a missing database (SQLSTATE 3D000), a refused login (28000,
 * 28P01), an unreachable server (Node errnos, class 08). Retryable failures
 * (isRetryablePgError) become TransientError, the rest TerminalError; the
 * driver's error code (e.g. ECONNREFUSED) stays in the message.
 */
export function describePgOpenError(error: unknown, url: string, context: PgOpenContext): TransientError | TerminalError {
  if (error instanceof TerminalError || error instanceof TransientError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const { component, setting } = context;
  let host = '';
  try {
    const parsed = new URL(url);
    host = `${parsed.hostname}:${parsed.port || '5432'}`;
  } catch {
    host = redact(url);
  }
  let message: string;
  if (code === '3D000')
    message = `${component} database ${JSON.stringify(databaseOf(url))} does not exist on ${host} (${setting})`;
  else if (code === '28P01' || code === '28000')
    message = `the ${component} server at ${host} refused the login (${setting}): ${errorMessage(error)}`;
  else if (typeof code === 'string' && /^E[A-Z]+$/.test(code))
    message = `cannot reach the ${component} server at ${host} (${setting}): ${code}`;
  else message = `cannot open the ${component} database at ${redact(url)} (${setting}): ${errorMessage(error)}`;
  return isRetryablePgError(error) ? new TransientError(message, { cause: error }) : new TerminalError(message, { cause: error });
}
