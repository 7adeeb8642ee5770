/**
 * Seeds the demo source database (ToteSys) on a PostgreSQL server or PGlite:
 * creates the schema from `totesys-schema.sql`, loads the vendored JSON
 * exports (`totesys/<table>.json.gz`) with COPY in FK order, synthesises the
 * `payment` table (`payment-synthesis.ts`) and moves the id sequences past the
 * loaded ids, so the source behaves like the live system for the pipeline.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { TerminalError, errorMessage } from '../../jobs/lib/core/errors';
import { quoteIdent } from '../../jobs/lib/core/identifiers';
import type { PgClient } from '../../jobs/lib/adapters/postgres/pg-client';
import {
  moneyText,
  synthesisePayments,
  type PaymentSampleRow,
  type PurchaseOrderRow,
  type SalesOrderRow,
  type TransactionRow,
} from './payment-synthesis';
import { assertScale, SCALED_TABLES, scaledRows, type RealOrderTables } from './scale';

const gunzipAsync = promisify(gunzip);

/** Folder of the vendored seed files (`<table>.json.gz`). */
export const SEED_DATA_DIR = join(__dirname, 'totesys');
/** The source DDL the seed runs on an empty database. */
export const SEED_SCHEMA_FILE = join(__dirname, 'totesys-schema.sql');

/** Tables loaded from a JSON export, in foreign-key order (parents first). `payment` is synthesised last. */
export const SEED_TABLES = [
  'address',
  'currency',
  'department',
  'design',
  'payment_type',
  'counterparty',
  'staff',
  'sales_order',
  'purchase_order',
  'transaction',
] as const;

/** Every table the schema creates (the loaded ones, `payment`, and the empty `_prisma_migrations`). */
const SCHEMA_TABLES = [...SEED_TABLES, 'payment', '_prisma_migrations'];

/** Target size of one COPY chunk in characters (PGlite sends each chunk as one blob). */
const CHUNK_CHARS = 2 * 1024 * 1024;

/** What a seed loaded: rows per table (the ten exported tables and `payment`). */
export interface SeedResult {
  tables: Record<string, number>;
}

export interface SeedOptions {
  /**
   * Folder holding `<table>.json.gz` (or plain `<table>.json`) for the ten
   * exported tables and `payment_sample`. Default: the vendored {@link SEED_DATA_DIR}.
   */
  dataDir?: string;
  /**
   * Scale factor N ≥ 1 (default 1, the real data only): N−1 more copies of
   * sales_order, purchase_order, transaction and payment are loaded after the
   * real rows (`scale.ts`: shifted ids, jittered prices, times moved forward).
   */
  scale?: number;
  /**
   * Empty the ToteSys tables that exist (TRUNCATE … RESTART IDENTITY) before
   * seeding, in the same transaction: a failed seed leaves the old rows. Only
   * the ToteSys tables are touched. Default false (seed only an empty source).
   */
  reset?: boolean;
  /**
   * Called after each table is loaded (in load order: {@link SEED_TABLES},
   * then `payment`; with a scale, the scaled tables again with their final
   * counts), with its row count and the milliseconds the load took; for a
   * progress display. Must not throw.
   */
  onTable?: (table: string, rows: number, ms: number) => void;
}

type JsonRow = Record<string, unknown>;
interface ColumnInfo {
  name: string;
  dataType: string;
}

/**
 * True when the source has not been seeded: schema `public` has no
 * `sales_order` table, or that table has no rows.
 * @throws whatever the client throws when the database cannot be reached.
 */
export async function isSourceEmpty(db: PgClient): Promise<boolean> {
  const [{ present }] = await db.query<{ present: boolean }>("select to_regclass('public.sales_order') is not null as present");
  if (!present) return true;
  const [{ has_rows }] = await db.query<{ has_rows: boolean }>('select exists (select 1 from public.sales_order) as has_rows');
  return !has_rows;
}

/**
 * Reads one exported table: `<dir>/<name>.json.gz`, else `<dir>/<name>.json`;
 * each file is one JSON array of row objects.
 * @throws TerminalError when neither file exists or the content is not a JSON array.
 */
export async function readSeedFile(dir: string, name: string): Promise<JsonRow[]> {
  let text: string;
  try {
    text = (await gunzipAsync(await fs.readFile(join(dir, `${name}.json.gz`)))).toString('utf8');
  } catch (gzError) {
    if ((gzError as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new TerminalError(`cannot read seed file ${name}.json.gz: ${errorMessage(gzError)}`, { cause: gzError });
    }
    try {
      text = await fs.readFile(join(dir, `${name}.json`), 'utf8');
    } catch (error) {
      throw new TerminalError(`no seed file ${name}.json.gz or ${name}.json in ${dir}`, { cause: error });
    }
  }
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch (error) {
    throw new TerminalError(`seed file ${name} is not valid JSON: ${errorMessage(error)}`, { cause: error });
  }
  if (!Array.isArray(rows) || rows.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))) {
    throw new TerminalError(`seed file ${name} is not a JSON array of row objects`);
  }
  return rows as JsonRow[];
}

/**
 * Seeds an empty source database in one transaction: runs the DDL (unless the
 * ToteSys tables already exist and are all empty), loads every exported table
 * in FK order with COPY (CSV chunks of about 2 MB), synthesises and loads
 * `payment`, and sets each id sequence to the highest loaded id. Timestamps
 * are stored as given (timestamp without time zone, no zone conversion);
 * money is loaded as exact two-decimal text.
 *
 * With `scale` N > 1 the N−1 copies of the order-level tables (`scale.ts`)
 * are COPYed after the real rows, copy by copy; for that bulk load the keys,
 * unique indexes and foreign keys of those tables are dropped and rebuilt
 * afterwards (each rebuild checks every row, in the same transaction).
 *
 * Returns the row count of each loaded table, counted in the database.
 *
 * With `reset`, the ToteSys tables are emptied first (same transaction).
 *
 * @throws TerminalError when the database already holds ToteSys rows and
 *   `reset` is not set (call {@link isSourceEmpty} first), when only part of the schema exists, when a
 *   seed file is missing or malformed, when the scale is not a whole number
 *   from 1 to `maxScale`, or when a table's rows do not fit the schema (the
 *   transaction is rolled back; a retry will not help).
 */
export async function seedSource(db: PgClient, opts: SeedOptions = {}): Promise<SeedResult> {
  const dataDir = opts.dataDir ?? SEED_DATA_DIR;
  const files = new Map<string, JsonRow[]>();
  for (const name of [...SEED_TABLES, 'payment_sample']) files.set(name, await readSeedFile(dataDir, name));
  const real: RealOrderTables = {
    salesOrders: files.get('sales_order')!,
    purchaseOrders: files.get('purchase_order')!,
    transactions: files.get('transaction')!,
  };
  const scale = opts.scale ?? 1;
  try {
    assertScale(scale, real);
  } catch (error) {
    throw new TerminalError(`cannot seed at scale ${scale}: ${errorMessage(error)}`, { cause: error });
  }

  let payments: JsonRow[];
  try {
    payments = synthesisePayments({
      transactions: real.transactions as unknown as TransactionRow[],
      salesOrders: real.salesOrders as unknown as SalesOrderRow[],
      purchaseOrders: real.purchaseOrders as unknown as PurchaseOrderRow[],
      sample: files.get('payment_sample') as unknown as PaymentSampleRow[],
    }) as unknown as JsonRow[];
  } catch (error) {
    throw new TerminalError(`cannot synthesise payments from the seed files: ${errorMessage(error)}`, { cause: error });
  }

  const ddl = await fs.readFile(SEED_SCHEMA_FILE, 'utf8');
  return db.transaction(async (tx) => {
    if (opts.reset) await emptyToteSysTables(tx);
    // When the tables already exist (and are all empty) they are seeded as they are.
    if (!(await schemaPresent(tx))) await tx.exec(ddl);
    const tables: Record<string, number> = {};
    const load: [string, JsonRow[]][] = [
      ...SEED_TABLES.map((t) => [t, files.get(t)!] as [string, JsonRow[]]),
      ['payment', payments],
    ];
    for (const [table, rows] of load) {
      const started = performance.now();
      tables[table] = await loadTable(tx, table, rows);
      opts.onTable?.(table, tables[table], performance.now() - started);
    }
    if (scale > 1) {
      // Bulk load: checking keys row by row costs more than the COPY itself, so the scaled tables'
      // keys are dropped for the copies and rebuilt afterwards (each rebuild checks all rows at once).
      const keys = await dropKeys(tx, SCALED_TABLES);
      for (const table of SCALED_TABLES) {
        const started = performance.now();
        tables[table] = await loadTable(tx, table, [], scaledRows(table, real, scale), tables[table] * scale);
        opts.onTable?.(table, tables[table], performance.now() - started);
      }
      await restoreKeys(tx, keys);
    }
    for (const table of Object.keys(tables)) await advanceSequences(tx, table);
    return { tables };
  });
}

/** Empties the ToteSys tables that exist (ids restart at 1); other tables are left alone. */
async function emptyToteSysTables(db: PgClient): Promise<void> {
  const present: string[] = [];
  for (const table of SCHEMA_TABLES) {
    const [{ found }] = await db.query<{ found: boolean }>('select to_regclass($1) is not null as found', [
      `public.${quoteIdent(table)}`,
    ]);
    if (found) present.push(`public.${quoteIdent(table)}`);
  }
  if (present.length) await db.exec(`truncate table ${present.join(', ')} restart identity`);
}

/** True when the ToteSys tables exist and are all empty; throws when some exist, or any holds rows. */
async function schemaPresent(db: PgClient): Promise<boolean> {
  const present: string[] = [];
  for (const table of SCHEMA_TABLES) {
    const [{ found }] = await db.query<{ found: boolean }>('select to_regclass($1) is not null as found', [
      `public.${quoteIdent(table)}`,
    ]);
    if (found) present.push(table);
  }
  if (present.length === 0) return false;
  const filled: string[] = [];
  for (const table of present) {
    const [{ n }] = await db.query<{ n: number }>(`select count(*)::int as n from public.${quoteIdent(table)}`);
    if (n > 0) filled.push(`${table} (${n} rows)`);
  }
  if (filled.length > 0) {
    throw new TerminalError(
      `the source database already holds data in ${filled.join(', ')}; seed only an empty database (check isSourceEmpty first)`,
    );
  }
  if (present.length !== SCHEMA_TABLES.length) {
    const missing = SCHEMA_TABLES.filter((t) => !present.includes(t));
    throw new TerminalError(
      `the source database has part of the ToteSys schema (missing ${missing.join(', ')}); use an empty database`,
    );
  }
  return true;
}

async function columnsOf(db: PgClient, table: string): Promise<ColumnInfo[]> {
  const rows = await db.query<{ name: string; data_type: string }>(
    `select column_name as name, data_type
       from information_schema.columns
      where table_schema = 'public' and table_name = $1
      order by ordinal_position`,
    [table],
  );
  return rows.map((r) => ({ name: r.name, dataType: r.data_type }));
}

/** One value in CSV: NULL is an empty unquoted field, text is always quoted (so '' stays a string). */
function csvField(value: unknown, column: ColumnInfo, table: string): string {
  if (value === null || value === undefined) return '';
  switch (column.dataType) {
    case 'integer':
    case 'smallint':
    case 'bigint':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw new TerminalError(`${table}.${column.name}: not an integer: ${JSON.stringify(value)}`);
      }
      return String(value);
    case 'numeric':
      if (typeof value !== 'number' && typeof value !== 'string') {
        throw new TerminalError(`${table}.${column.name}: not a decimal: ${JSON.stringify(value)}`);
      }
      try {
        return moneyText(value);
      } catch (error) {
        throw new TerminalError(`${table}.${column.name}: ${errorMessage(error)}`, { cause: error });
      }
    case 'boolean':
      if (typeof value !== 'boolean') throw new TerminalError(`${table}.${column.name}: not a boolean: ${JSON.stringify(value)}`);
      return value ? 'true' : 'false';
    default:
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw new TerminalError(`${table}.${column.name}: unexpected value ${JSON.stringify(value)}`);
      }
      return `"${String(value).replace(/"/g, '""')}"`;
  }
}

/**
 * CSV chunks of about {@link CHUNK_CHARS} for `batches`. Rows of the first
 * `checkedBatches` batches (the ones read from files) are checked for fields
 * the schema lacks; later batches are scale copies of checked rows.
 */
async function* csvChunks(
  table: string,
  columns: ColumnInfo[],
  batches: Iterable<JsonRow[]>,
  checkedBatches: number,
): AsyncGenerator<string> {
  const known = new Set(columns.map((c) => c.name));
  let chunk = '';
  let batchIndex = 0;
  for (const rows of batches) {
    const check = batchIndex++ < checkedBatches;
    for (const row of rows) {
      if (check) {
        for (const key in row) {
          if (!known.has(key)) throw new TerminalError(`seed rows of ${table} have a field the schema lacks: ${key}`);
        }
      }
      const fields = new Array<string>(columns.length);
      for (let i = 0; i < columns.length; i++) fields[i] = csvField(row[columns[i].name], columns[i], table);
      chunk += `${fields.join(',')}\n`;
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
  }
  if (chunk) yield chunk;
}

/**
 * COPYs `rows` (then every batch of `more`) into `public.<table>`; returns the
 * table's row count afterwards, which must equal `expected` (default: `rows.length`).
 */
async function loadTable(
  db: PgClient,
  table: string,
  rows: JsonRow[],
  more: Iterable<JsonRow[]> = [],
  expected = rows.length,
): Promise<number> {
  const columns = await columnsOf(db, table);
  if (columns.length === 0) throw new TerminalError(`table public.${table} does not exist`);
  const copySql = `copy public.${quoteIdent(table)} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) from stdin with (format csv)`;
  function* batches(): Generator<JsonRow[]> {
    if (rows.length) yield rows;
    yield* more;
  }
  try {
    await db.copyFromCsv(copySql, csvChunks(table, columns, batches(), rows.length ? 1 : 0));
  } catch (error) {
    if (error instanceof TerminalError) throw error;
    throw new TerminalError(`loading ${table} failed: ${errorMessage(error)}`, { cause: error });
  }
  const [{ n }] = await db.query<{ n: number }>(`select count(*)::int as n from public.${quoteIdent(table)}`);
  if (n !== expected) throw new TerminalError(`loaded ${n} rows into ${table}, expected ${expected}`);
  return n;
}

/** A dropped key: how to re-create it. */
interface DroppedKey {
  table: string;
  name: string;
  /** `alter table … add constraint …` or `create unique index …`. */
  create: string;
}

/**
 * Drops the primary keys, unique indexes and foreign keys of `tables` (and the
 * foreign keys of other tables that point at them); returns what re-creates
 * them, in a safe order (primary keys and unique indexes, then foreign keys).
 */
async function dropKeys(db: PgClient, tables: readonly string[]): Promise<DroppedKey[]> {
  const relations = tables.map((t) => `public.${quoteIdent(t)}`);
  const constraints = await db.query<{ rel: string; name: string; def: string; kind: string }>(
    `select c.conrelid::regclass::text as rel, c.conname as name, pg_get_constraintdef(c.oid) as def, c.contype as kind
       from pg_constraint c
      where c.contype in ('p', 'u', 'f')
        and (c.conrelid = any ($1::regclass[]) or c.confrelid = any ($1::regclass[]))`,
    [relations],
  );
  const indexes = await db.query<{ rel: string; name: string; def: string }>(
    `select i.indrelid::regclass::text as rel, c.relname as name, pg_get_indexdef(i.indexrelid) as def
       from pg_index i
       join pg_class c on c.oid = i.indexrelid
      where i.indrelid = any ($1::regclass[])
        and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)`,
    [relations],
  );
  const foreign = constraints.filter((c) => c.kind === 'f');
  const unique = constraints.filter((c) => c.kind !== 'f');
  for (const c of foreign) await db.exec(`alter table ${c.rel} drop constraint ${quoteIdent(c.name)}`);
  for (const c of unique) await db.exec(`alter table ${c.rel} drop constraint ${quoteIdent(c.name)}`);
  for (const i of indexes) await db.exec(`drop index public.${quoteIdent(i.name)}`);
  return [
    ...unique.map((c) => ({
      table: c.rel,
      name: c.name,
      create: `alter table ${c.rel} add constraint ${quoteIdent(c.name)} ${c.def}`,
    })),
    ...indexes.map((i) => ({ table: i.rel, name: i.name, create: i.def })),
    ...foreign.map((c) => ({
      table: c.rel,
      name: c.name,
      create: `alter table ${c.rel} add constraint ${quoteIdent(c.name)} ${c.def}`,
    })),
  ];
}

/**
 * Re-creates the keys {@link dropKeys} dropped; each one checks every row.
 * @throws TerminalError naming the key when the loaded rows break it.
 */
async function restoreKeys(db: PgClient, keys: DroppedKey[]): Promise<void> {
  for (const key of keys) {
    try {
      await db.exec(key.create);
    } catch (error) {
      throw new TerminalError(`the scaled rows break ${key.name} on ${key.table}: ${errorMessage(error)}`, { cause: error });
    }
  }
}

/** Sets each serial column's sequence of `table` to its highest value, so new rows get fresh ids. */
async function advanceSequences(db: PgClient, table: string): Promise<void> {
  const serials = await db.query<{ name: string }>(
    `select column_name as name
       from information_schema.columns
      where table_schema = 'public' and table_name = $1 and column_default like 'nextval(%'`,
    [table],
  );
  for (const { name } of serials) {
    await db.query(
      `select setval(pg_get_serial_sequence($1, $2), max_id)
         from (select max(${quoteIdent(name)}) as max_id from public.${quoteIdent(table)}) m
        where max_id is not null`,
      [`public.${quoteIdent(table)}`, name],
    );
  }
}
