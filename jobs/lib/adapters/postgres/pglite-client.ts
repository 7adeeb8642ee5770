/**
 * The PgClient (pg-client.ts) over the embedded PGlite database: the local
 * runtime's source and warehouse when no server URL is set. Never part of a
 * Lambda bundle (its WebAssembly files are not shipped): only the local
 * runtime's open-database.ts imports it.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { asNumber, asText, TEXT_TYPES, type PgClient, type Row } from './pg-client';
import { copyPristineImage, ensurePristineImage } from './pglite-image';
import { PGLITE_SETTINGS } from './pglite-settings';

/** Where an embedded database lives: a data folder (created when missing), or memory only. */
export type PgliteTarget = { dataDir: string } | { memory: true };

let compiled: Promise<WebAssembly.Module> | undefined;

/**
 * PGlite's WebAssembly module, compiled once per process and shared by every
 * embedded database it opens (the source and the warehouse): PGlite otherwise
 * compiles its own copy of the 9 MB module for each.
 */
function pgliteModule(): Promise<WebAssembly.Module> {
  if (!compiled) {
    const wasm = readFileSync(require.resolve('@electric-sql/pglite/pglite.wasm'));
    compiled = wasmApi().compile(wasm);
    compiled.catch(() => {
      compiled = undefined; // the next open tries again
    });
  }
  return compiled;
}

/** Node's WebAssembly global: this project's TypeScript libraries (ES2022, no DOM) declare its types but not the value. */
function wasmApi(): { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } {
  return (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } }).WebAssembly;
}

/**
 * Opens PGlite on `target`. A data folder without a database gets a copy of
 * the pristine image (pglite-image.ts) instead of PGlite's initdb, which would
 * take about 0.7 GB of memory for a few seconds; where no image can be made
 * (node_modules read-only) PGlite runs initdb as before.
 *
 * @throws Error from the file system (a folder that cannot be written), from
 *   making the image, or from PGlite
 */
export async function openPglite(target: PgliteTarget): Promise<PgClient> {
  const parsers = {
    [TEXT_TYPES.numeric]: asText,
    [TEXT_TYPES.date]: asText,
    [TEXT_TYPES.time]: asText,
    [TEXT_TYPES.timestamp]: asText,
    [TEXT_TYPES.timestamptz]: asText,
    [TEXT_TYPES.int8]: asNumber,
  };
  if ('dataDir' in target) {
    mkdirSync(target.dataDir, { recursive: true });
    if (!existsSync(join(target.dataDir, 'PG_VERSION'))) {
      const image = await ensurePristineImage();
      if (image) copyPristineImage(image, target.dataDir);
    }
  }
  const db = await PGlite.create('dataDir' in target ? target.dataDir : undefined, {
    parsers,
    pgliteWasmModule: await pgliteModule(),
    startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS],
    initDbStartParams: [...PGLITE_SETTINGS],
  });
  return new PgliteClient(db, db);
}

/** Size PGlite COPY blobs are regrouped to (whole rows). */
const BLOB_BYTES = 1 << 20;

/**
 * Regroups CSV byte chunks into chunks of whole rows of about {@link BLOB_BYTES}
 * (a row ends at a newline outside double quotes; a doubled quote inside a
 * quoted field toggles twice, so counting quotes is enough). Text chunks
 * already hold whole rows and pass through unchanged.
 */
async function* csvRowChunks(chunks: AsyncIterable<string | Buffer>): AsyncGenerator<string | Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let inQuote = false;
  for await (const chunk of chunks) {
    if (typeof chunk === 'string') {
      yield chunk;
      continue;
    }
    let rowEnd = -1;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === 0x22) inQuote = !inQuote;
      else if (b === 0x0a && !inQuote) rowEnd = i;
    }
    if (rowEnd === -1 || pendingBytes + rowEnd + 1 < BLOB_BYTES) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      continue;
    }
    yield Buffer.concat([...pending, chunk.subarray(0, rowEnd + 1)]);
    pending = rowEnd + 1 < chunk.length ? [chunk.subarray(rowEnd + 1)] : [];
    pendingBytes = chunk.length - rowEnd - 1;
  }
  if (pendingBytes) yield Buffer.concat(pending);
}

type PgliteQueryable = Pick<PGlite, 'query' | 'exec'>;

class PgliteClient implements PgClient {
  readonly kind = 'pglite' as const;
  constructor(
    private readonly db: PGlite,
    private readonly q: PgliteQueryable,
    private readonly inTransaction = false,
  ) {}

  async query<T extends Row = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    const result = await this.q.query<T>(sql, params);
    return result.rows;
  }

  async exec(sql: string): Promise<void> {
    await this.q.exec(sql);
  }

  async command(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.q.query(sql, params)).affectedRows ?? 0;
  }

  async copyFromCsv(copySql: string, chunks: AsyncIterable<string | Buffer>): Promise<number> {
    const sql = copySql.replace(/\bfrom\s+stdin\b/i, "from '/dev/blob'");
    let rows = 0;
    for await (const chunk of csvRowChunks(chunks)) {
      if (!chunk) continue;
      const result = await this.q.query(sql, [], { blob: new Blob([chunk]) });
      rows += result.affectedRows ?? 0;
    }
    return rows;
  }

  async transaction<T>(fn: (tx: PgClient) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    return this.db.transaction((tx) => fn(new PgliteClient(this.db, tx as unknown as PgliteQueryable, true)));
  }

  async readQuery<T extends Row = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (this.inTransaction) throw new Error('readQuery cannot run inside a transaction');
    // PGlite's query() is the extended protocol: one statement only.
    return this.db.transaction(async (tx) => {
      await tx.exec('set transaction read only');
      return (await tx.query<T>(sql, params)).rows;
    });
  }

  async close(): Promise<void> {
    if (!this.inTransaction) await this.db.close();
  }
}
