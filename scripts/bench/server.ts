/**
 * The PostgreSQL server the benchmark runs against: connecting as an admin,
 * and creating / dropping the benchmark's own databases on it.
 */
import { Client } from 'pg';
import { assertIdentifier, quoteIdent } from '../../jobs/lib/core/identifiers';
import { errorMessage } from '../../jobs/lib/core/errors';
import { redactUrl } from '../redact-url';

/** The server used when `LAKEHOUSE_BENCH_URL` is not set: a local PostgreSQL with trust auth. */
export const DEFAULT_BENCH_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Thrown when the benchmark cannot reach or use its server; the message says what to do. */
export class BenchServerError extends Error {}

/** The server URL: `LAKEHOUSE_BENCH_URL`, else {@link DEFAULT_BENCH_URL}. */
export function benchServerUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.LAKEHOUSE_BENCH_URL || DEFAULT_BENCH_URL;
}

/**
 * Connects to the server's admin database.
 * @throws BenchServerError naming the URL (password hidden) and the cause when no server answers.
 */
export async function connectAdmin(url: string): Promise<Client> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new BenchServerError(
      `no PostgreSQL server reachable at ${redactUrl(url)} (${errorMessage(error)}).\n` +
        'The benchmark needs a real server: start one, or set LAKEHOUSE_BENCH_URL to a server URL whose user may create databases.',
      { cause: error },
    );
  }
  return client;
}

/** The server's version string (`PostgreSQL 15.20 …`). */
export async function serverVersion(admin: Client): Promise<string> {
  const { rows } = await admin.query<{ version: string }>('select version() as version');
  return rows[0].version;
}

/** The URL of database `name` on the same server as `url`. */
export function databaseUrl(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${assertIdentifier(name)}`;
  return u.toString();
}

/**
 * Creates an empty database `name` (dropping a leftover of the same name first) and returns its URL.
 * @throws BenchServerError when the user may not create databases.
 */
export async function createDatabase(admin: Client, url: string, name: string): Promise<string> {
  try {
    await dropDatabase(admin, name);
    await admin.query(`create database ${quoteIdent(name)}`);
  } catch (error) {
    throw new BenchServerError(`cannot create database ${name} on ${redactUrl(url)}: ${errorMessage(error)}`, { cause: error });
  }
  return databaseUrl(url, name);
}

/** Drops database `name` if it exists, closing other sessions on it. */
export async function dropDatabase(admin: Client, name: string): Promise<void> {
  await admin.query(`drop database if exists ${quoteIdent(name)} with (force)`);
}
