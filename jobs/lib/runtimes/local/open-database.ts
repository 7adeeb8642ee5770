/**
 * The local runtime's choice of PostgreSQL backend: a server when given a URL,
 * the embedded PGlite otherwise (a data folder, or memory for tests). Kept
 * here, out of the adapters the Lambda bundles import, so PGlite stays out of
 * them (the extract Lambda opens its server with pg-client.ts directly).
 */
import { openPgServer, type PgClient } from '../../adapters/postgres/pg-client';
import { openPglite, type PgliteTarget } from '../../adapters/postgres/pglite-client';

/** Where a database lives: a server URL, or a PGlite data folder (created when missing), or memory. */
export type PgTarget = { url: string } | PgliteTarget;

/** Opens a client for `target`. Throws when the server cannot be reached. */
export async function openPg(target: PgTarget): Promise<PgClient> {
  return 'url' in target ? openPgServer(target.url) : openPglite(target);
}
