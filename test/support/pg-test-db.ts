/**
 * Test support: the databases a PostgreSQL-backed suite runs on. Always
 * in-memory PGlite; also a real server when TEST_DATABASE_URL is set (CI sets
 * it), where each suite gets its own uniquely named database.
 */
import type { PgClient } from '../../jobs/lib/adapters/postgres/pg-client';
import { openPg, type PgTarget } from '../../jobs/lib/runtimes/local/open-database';

/** The targets to parameterise a suite over (`describe.each`). */
export function pgTargets(): { name: string; target: PgTarget }[] {
  const url = process.env.TEST_DATABASE_URL;
  return [{ name: 'pglite', target: { memory: true } }, ...(url ? [{ name: 'postgres', target: { url } }] : [])];
}

/**
 * Opens a fresh, empty database on `target`: in-memory PGlite, or a database
 * `lakehouse_test_<purpose>_<pid>` created on the server (dropped first if left
 * over). `drop()` closes it and drops the server database.
 */
export async function openFreshDb(
  target: PgTarget,
  purpose: string,
): Promise<{ db: PgClient; drop: () => Promise<void> /** The database's URL (server only). */; url?: string }> {
  if (!('url' in target)) {
    const db = await openPg(target);
    return { db, drop: () => db.close() };
  }
  const name = `lakehouse_test_${purpose}_${process.pid}`;
  const admin = await openPg(target);
  await admin.exec(`drop database if exists ${name}`);
  await admin.exec(`create database ${name}`);
  const url = new URL(target.url);
  url.pathname = `/${name}`;
  const db = await openPg({ url: url.toString() });
  return {
    db,
    url: url.toString(),
    drop: async () => {
      await db.close();
      await admin.exec(`drop database if exists ${name}`);
      await admin.close();
    },
  };
}
