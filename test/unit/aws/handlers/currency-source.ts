/**
 * Test support for the handler tests that run against the real PostgreSQL
 * server (TEST_DATABASE_URL): a database of its own holding one `currency`
 * table, the source the handler reads through its secret.
 */
import { Client } from 'pg';

/** A statement runner on one database: each call opens a connection, runs `text`, closes it, and returns the rows. */
export type Sql = (text: string) => Promise<Record<string, unknown>[]>;

async function runOn(connectionString: string, text: string): Promise<Record<string, unknown>[]> {
  const db = new Client({ connectionString });
  await db.connect();
  try {
    return (await db.query(text)).rows as Record<string, unknown>[];
  } finally {
    await db.end();
  }
}

/**
 * Declares hooks (call it in a `describe` body) that create the database
 * `lakehouse_test_<purpose>_<pid>` on `serverUrl` with a `currency` table
 * holding `codes` (ids 1…n, both stamps 2022-11-03 14:20:49.962), and drop
 * it afterwards: first any replication slot on it (a database with a slot
 * cannot be dropped), then the database with FORCE (the handler under test
 * keeps its connection cached per container). Returns the database's URL and
 * a statement runner on it.
 */
export function currencySource(serverUrl: string, purpose: string, codes: string[]): { url: string; sql: Sql } {
  const database = `lakehouse_test_${purpose}_${process.pid}`;
  const target = new URL(serverUrl);
  target.pathname = `/${database}`;
  const url = target.toString();
  const sql: Sql = (text) => runOn(url, text);

  beforeAll(async () => {
    await runOn(serverUrl, `drop database if exists ${database} with (force)`);
    await runOn(serverUrl, `create database ${database}`);
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
    await runOn(serverUrl, `select pg_drop_replication_slot(slot_name) from pg_replication_slots where database = '${database}'`);
    await runOn(serverUrl, `drop database if exists ${database} with (force)`);
  });

  return { url, sql };
}
