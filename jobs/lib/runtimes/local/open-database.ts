/**
 * The local runtime's choice of PostgreSQL backend: a server when given a URL,
 * the embedded PGlite otherwise (a data folder, or memory for tests). Kept
 * here, out of the adapters the Lambda bundles import, so PGlite stays out of
 * them (the extract Lambda opens its server with pg-client.ts directly).
 */
import { openPgServer, type PgClient } from '../../adapters/postgres/pg-client';
import { openPglite, type PgliteTarget } from '../../adapters/postgres/pglite-client';
import { assertPostgresUrl, describePgOpenError, type PgOpenContext } from '../../adapters/postgres/pg-open-error';
import { isReadOnlyFsError } from '../../adapters/duckdb/duckdb-open-error';
import { errorMessage, TerminalError } from '../../core/errors';

/** Where a database lives: a server URL, or a PGlite data folder (created when missing), or memory. */
export type PgTarget = { url: string } | PgliteTarget;

/**
 * Opens a client for `target`. With `context` (which database, and the
 * setting that chose it), failures get plain messages naming both: a URL that
 * is not PostgreSQL, a missing database, an unreachable server
 * (pg-open-error.ts), a data folder that cannot be written.
 *
 * @throws TerminalError or TransientError (with `context`); the driver's error otherwise
 */
export async function openPg(target: PgTarget, context?: PgOpenContext): Promise<PgClient> {
  if (!context) return 'url' in target ? openPgServer(target.url) : openPglite(target);
  if ('url' in target) {
    assertPostgresUrl(target.url, context);
    try {
      return await openPgServer(target.url);
    } catch (error) {
      throw describePgOpenError(error, target.url, context);
    }
  }
  try {
    return await openPglite(target);
  } catch (error) {
    const where = 'dataDir' in target ? target.dataDir : 'memory';
    const why = isReadOnlyFsError(error) ? 'its folder is read-only' : errorMessage(error);
    throw new TerminalError(`cannot open the embedded ${context.component} database at ${where} (${context.setting}): ${why}`, {
      cause: error,
    });
  }
}
