/**
 * Test support: the databases a PostgreSQL-backed suite runs on. Always
 * in-memory PGlite; also a real server when TEST_DATABASE_URL is set (CI sets
 * it), where each suite gets its own uniquely named database.
 */
import type { PgClient } from '../../jobs/lib/adapters/postgres/pg-client';
import { openPg, type PgTarget } from '../../jobs/lib/runtimes/local/open-database';

/**
 * The URL the server variants are declared with when TEST_DATABASE_URL is
 * unset. Their tests are skipped then (never connected to); it only lets a
 * suite body build URLs while jest collects the tests.
 */
export const UNSET_SERVER_URL = 'postgres://postgres@test-database-url-is-unset/postgres';

/**
 * The targets to parameterise a suite over ({@link describeEach}): in-memory
 * PGlite, and the server of TEST_DATABASE_URL, marked `skip` when it is unset
 * so jest reports those tests as skipped rather than leaving them out.
 */
export function pgTargets(): { name: string; target: PgTarget; skip: boolean }[] {
  const url = process.env.TEST_DATABASE_URL;
  return [
    { name: 'pglite', target: { memory: true }, skip: false },
    { name: 'postgres', target: { url: url ?? UNSET_SERVER_URL }, skip: !url },
  ];
}

/**
 * `describe.each(cases)(title, fn)`, except that the cases marked `skip` are
 * declared with `describe.skip.each`, so jest counts their tests as skipped.
 */
export function describeEach<T extends { skip?: boolean }>(cases: T[]): (title: string, fn: (row: T) => void) => void {
  return (title, fn) => {
    const run = cases.filter((c) => !c.skip);
    const skipped = cases.filter((c) => c.skip);
    if (run.length) describe.each(run)(title, fn);
    if (skipped.length) describe.skip.each(skipped)(title, fn);
  };
}

/**
 * The URL of the database {@link openFreshDb} makes on the server at
 * `serverUrl` for `purpose`: `lakehouse_test_<purpose>_<pid>`.
 */
export function freshDbUrl(serverUrl: string, purpose: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/lakehouse_test_${purpose}_${process.pid}`;
  return url.toString();
}

/**
 * Opens a fresh, empty database on `target`: in-memory PGlite, or the
 * database {@link freshDbUrl} names, created on the server (dropped first if
 * left over). `drop()` closes it and drops the server database: first any
 * replication slot on it (a database with a slot cannot be dropped), then the
 * database WITH (FORCE), so connections the code under test still holds (a
 * Lambda handler caches its source connection) do not stop it.
 */
export async function openFreshDb(
  target: PgTarget,
  purpose: string,
): Promise<{ db: PgClient; drop: () => Promise<void> /** The database's URL (server only). */; url?: string }> {
  if (!('url' in target)) {
    const db = await openPg(target);
    return { db, drop: () => db.close() };
  }
  const url = freshDbUrl(target.url, purpose);
  const name = new URL(url).pathname.slice(1);
  const admin = await openPg(target);
  await admin.exec(`drop database if exists ${name} with (force)`);
  await admin.exec(`create database ${name}`);
  const db = await openPg({ url });
  return {
    db,
    url,
    drop: async () => {
      await db.close();
      await admin.exec(`select pg_drop_replication_slot(slot_name) from pg_replication_slots where database = '${name}'`);
      await admin.exec(`drop database if exists ${name} with (force)`);
      await admin.close();
    },
  };
}
