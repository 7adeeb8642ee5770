/**
 * Test support for the handler tests that run against the real PostgreSQL
 * server (TEST_DATABASE_URL): a fresh database (test/support/pg-test-db.ts)
 * holding one `currency` table, the source the handler reads through its
 * secret.
 */
import { freshDbUrl, openFreshDb } from '../../../support/pg-test-db';

/** A statement runner on the source database: runs `text` and returns its rows. */
export type Sql = (text: string) => Promise<Record<string, unknown>[]>;

/**
 * Declares hooks (call it in a `describe` body) that open a fresh database
 * for `purpose` on `serverUrl` with a `currency` table holding `codes` (ids
 * 1…n, both stamps 2022-11-03 14:20:49.962), and drop it afterwards (its
 * replication slots too). Returns the database's URL, known before the hooks
 * run, and a statement runner on it (usable once `beforeAll` has run).
 */
export function currencySource(serverUrl: string, purpose: string, codes: string[]): { url: string; sql: Sql } {
  let fresh: Awaited<ReturnType<typeof openFreshDb>> | undefined;
  const sql: Sql = (text) => fresh!.db.query(text);

  beforeAll(async () => {
    fresh = await openFreshDb({ url: serverUrl }, purpose);
    await sql(`create table currency (
      currency_id serial primary key,
      currency_code varchar(3) not null,
      created_at timestamp not null default current_timestamp,
      last_updated timestamp not null default current_timestamp)`);
    const stamp = `'2022-11-03 14:20:49.962'`;
    await sql(
      `insert into currency (currency_code, created_at, last_updated) values ${codes
        .map((code) => `('${code}', ${stamp}, ${stamp})`)
        .join(', ')}`,
    );
  });

  afterAll(async () => {
    await fresh?.drop();
  });

  return { url: freshDbUrl(serverUrl, purpose), sql };
}
