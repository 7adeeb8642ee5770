/**
 * One small client interface over a PostgreSQL database, so the source and the
 * local warehouse run on a server or on the embedded PGlite alike; and its
 * server implementation (node-postgres), the only one the Lambda bundles hold.
 * The PGlite implementation is pglite-client.ts; the local runtime chooses
 * between them (runtimes/local/open-database.ts).
 *
 * Value conventions (both backends): date, time, timestamp and numeric come back
 * as their PostgreSQL text form (no JS Date, no float rounding); bigint comes
 * back as a JS number (counts and ids here stay far below 2^53).
 */
import { Client, type QueryConfig, types as pgTypes } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { integerForJson } from '../../core/json-integer';

export type Row = Record<string, unknown>;

export interface PgClient {
  readonly kind: 'postgres' | 'pglite';
  /** Runs one statement with bound parameters (`$1`, `$2`, …); returns its rows. */
  query<T extends Row = Row>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs one or more statements with no parameters (DDL, scripts). */
  exec(sql: string): Promise<void>;
  /** Runs one statement with bound parameters; returns how many rows it inserted, updated or deleted. */
  command(sql: string, params?: unknown[]): Promise<number>;
  /**
   * Runs `COPY … FROM STDIN (FORMAT csv)` (the given statement) fed with CSV
   * chunks; returns the rows copied. Text chunks must hold whole rows; byte
   * chunks may be cut anywhere. PGlite has no COPY protocol: each chunk is
   * sent as a blob (`FROM '/dev/blob'`), byte chunks first regrouped at row
   * ends into blobs of about 1 MB, so keep text chunks a few MB at most.
   */
  copyFromCsv(copySql: string, chunks: AsyncIterable<string | Buffer>): Promise<number>;
  /**
   * Server only (undefined on PGlite, which cannot stream COPY out): runs
   * `COPY … TO STDOUT` (the given statement) and streams its output as it
   * arrives, with backpressure. A consumer that stops early makes the rest be
   * read and discarded, so the connection is usable again afterwards.
   */
  copyOut?(copySql: string): AsyncIterable<Buffer>;
  /** Runs `fn` in one transaction: commits when it resolves, rolls back and rethrows when it throws. */
  transaction<T>(fn: (tx: PgClient) => Promise<T>): Promise<T>;
  /**
   * Runs exactly one statement with bound parameters in a read-only
   * transaction (`SET TRANSACTION READ ONLY`) over the extended protocol, so
   * `a; b` is refused and nothing can commit the transaction early; returns
   * its rows. A statement that writes fails with SQLSTATE 25006
   * ("cannot execute … in a read-only transaction") and changes nothing.
   * Not inside {@link transaction}.
   */
  readQuery<T extends Row = Row>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** SQLSTATE of a write refused by a read-only transaction (PostgreSQL Appendix A). */
export const READ_ONLY_SQL_TRANSACTION = '25006';

/**
 * OIDs of the types read as text (and int8, read as a number up to ±(2^53 − 1), beyond that as its
 * exact digits, like the lake's BIGINT: core/json-integer.ts), for both backends' parsers.
 */
export const TEXT_TYPES = { numeric: 1700, date: 1082, time: 1083, timestamp: 1114, timestamptz: 1184, int8: 20 } as const;
export const asText = (value: string) => value;
export const asNumber = (value: string) => integerForJson(value);

/** Opens a client on the PostgreSQL server at `url`. Throws when the server cannot be reached. */
export async function openPgServer(url: string): Promise<PgClient> {
  const client = new Client({
    connectionString: url,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === TEXT_TYPES.int8) return asNumber;
        if (Object.values(TEXT_TYPES).includes(oid as 1700)) return asText;
        return pgTypes.getTypeParser(oid, format);
      }) as typeof pgTypes.getTypeParser,
    },
  });
  await client.connect();
  return new NodePgClient(client);
}

class NodePgClient implements PgClient {
  readonly kind = 'postgres' as const;
  constructor(
    private readonly client: Client,
    private readonly inTransaction = false,
  ) {}

  async query<T extends Row = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    const result = await this.client.query(sql, params);
    return result.rows as T[];
  }

  async exec(sql: string): Promise<void> {
    await this.client.query(sql);
  }

  async command(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.client.query(sql, params)).rowCount ?? 0;
  }

  async copyFromCsv(copySql: string, chunks: AsyncIterable<string | Buffer>): Promise<number> {
    const stream = this.client.query(copyFrom(copySql));
    await pipeline(Readable.from(chunks), stream);
    return Number(stream.rowCount ?? 0);
  }

  async *copyOut(copySql: string): AsyncIterable<Buffer> {
    const iterator = this.client.query(copyTo(copySql))[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let finished = false;
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) {
          finished = true;
          return;
        }
        yield next.value;
      }
    } finally {
      if (!finished) {
        // Stopped early: destroying a COPY stream would leave the connection mid-COPY, so read it out.
        try {
          while (!(await iterator.next()).done);
        } catch {
          // the stream failed; the error was already raised to the consumer or the connection is gone
        }
      }
    }
  }

  async transaction<T>(fn: (tx: PgClient) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    await this.client.query('begin');
    try {
      const result = await fn(new NodePgClient(this.client, true));
      await this.client.query('commit');
      return result;
    } catch (error) {
      await this.client.query('rollback');
      throw error;
    }
  }

  async readQuery<T extends Row = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (this.inTransaction) throw new Error('readQuery cannot run inside a transaction');
    await this.client.query('begin transaction read only');
    try {
      // queryMode 'extended': one statement only, even without parameters (the simple protocol runs `commit; …`).
      const result = await this.client.query({ text: sql, values: params, queryMode: 'extended' } as QueryConfig);
      await this.client.query('commit');
      return result.rows as T[];
    } catch (error) {
      await this.client.query('rollback');
      throw error;
    }
  }

  async close(): Promise<void> {
    if (!this.inTransaction) await this.client.end();
  }
}
