/**
 * Test support: the databases a whole-runtime suite (source and warehouse)
 * runs on. Embedded PGlite always; the PostgreSQL server of TEST_DATABASE_URL
 * too, declared even when it is unset and then marked `skip`, so
 * {@link describeEach} reports its tests as skipped.
 */
import { Client } from 'pg';

/** One backend: the runtime environment it needs, and how to clean up after it. */
export interface RuntimeBackend {
  name: string;
  /** Extra environment for the runtime (database URLs); creates the server databases. */
  env: () => Promise<Record<string, string>>;
  /** Drops what `env` created. */
  cleanup: () => Promise<void>;
  skip: boolean;
}

/**
 * The embedded backend and the server backend. The server one creates (on
 * `env`) the databases `lakehouse_test_<prefix>source_<pid>` and
 * `lakehouse_test_<prefix>warehouse_<pid>`, dropped first if left over, and
 * drops them (forcing connections off) on `cleanup`.
 */
export function runtimeBackends(prefix = ''): RuntimeBackend[] {
  const serverUrl = process.env.TEST_DATABASE_URL;
  const created: string[] = [];
  const admin = async <T>(fn: (client: Client) => Promise<T>): Promise<T> => {
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  const createDatabase = async (purpose: string): Promise<string> => {
    const name = `lakehouse_test_${prefix}${purpose}_${process.pid}`;
    await admin(async (client) => {
      await client.query(`drop database if exists ${name}`);
      await client.query(`create database ${name}`);
    });
    created.push(name);
    const url = new URL(serverUrl!);
    url.pathname = `/${name}`;
    return url.toString();
  };
  return [
    { name: 'embedded PGlite', env: async () => ({}), cleanup: async () => undefined, skip: false },
    {
      name: 'PostgreSQL server',
      env: async () => ({
        LAKEHOUSE_SOURCE_URL: await createDatabase('source'),
        LAKEHOUSE_WAREHOUSE_URL: await createDatabase('warehouse'),
      }),
      cleanup: () =>
        admin(async (client) => {
          for (const name of created.splice(0)) await client.query(`drop database if exists ${name} with (force)`);
        }),
      skip: !serverUrl,
    },
  ];
}
