import { existsSync, readFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { TerminalError } from '../../jobs/lib/core/errors';
import { isSourceEmpty, readSeedFile, SEED_DATA_DIR, SEED_TABLES, seedSource } from '../../scripts/seed/seed-source';
import type { PgClient } from '../../jobs/lib/adapters/postgres/pg-client';
import { openPg } from '../../jobs/lib/runtimes/local/open-database';
import { describeEach, openFreshDb, pgTargets } from '../support/pg-test-db';

const targets = pgTargets();
/** The shared reference data, beside the repository (absent in a plain clone). */
const SHARED = resolve(__dirname, '../../../shared/data/totesys');
const FILES = [...SEED_TABLES, 'payment_sample'];

/** Cents of a JSON money value: two-decimal numbers × 100 round to their exact cents; strings parse digit by digit. */
function fileCents(value: unknown): bigint {
  if (typeof value === 'number') return BigInt(Math.round(value * 100));
  const m = /^(\d+)\.(\d\d)$/.exec(String(value));
  if (!m) throw new Error(`unexpected amount ${String(value)}`);
  return BigInt(m[1]) * 100n + BigInt(m[2]);
}

/** Cents of a numeric sum PostgreSQL printed (`1234.50`). */
function sqlCents(text: string): bigint {
  const m = /^(\d+)\.(\d\d)$/.exec(text);
  if (!m) throw new Error(`unexpected sum ${text}`);
  return BigInt(m[1]) * 100n + BigInt(m[2]);
}

const sum = (values: bigint[]) => values.reduce((a, b) => a + b, 0n);

describeEach(targets)('seedSource on $name', ({ target }) => {
  let db: PgClient;
  let drop: () => Promise<void>;
  let files: Record<string, Record<string, unknown>[]>;
  let result: Awaited<ReturnType<typeof seedSource>>;
  let emptyBefore: boolean;

  beforeAll(async () => {
    ({ db, drop } = await openFreshDb(target, 'seed'));
    files = Object.fromEntries(await Promise.all(FILES.map(async (f) => [f, await readSeedFile(SEED_DATA_DIR, f)] as const)));
    emptyBefore = await isSourceEmpty(db);
    result = await seedSource(db);
  });

  afterAll(async () => {
    await drop();
  });

  test('isSourceEmpty is true before and false after; a second seed is refused and changes nothing', async () => {
    expect(emptyBefore).toBe(true);
    expect(await isSourceEmpty(db)).toBe(false);
    await expect(seedSource(db)).rejects.toThrow(TerminalError);
    await expect(seedSource(db)).rejects.toThrow(/already holds data/);
    const [{ n }] = await db.query<{ n: number }>('select count(*)::int as n from sales_order');
    expect(n).toBe(files.sales_order.length);
  });

  test('every table holds as many rows as its JSON file; payment one per transaction', async () => {
    const expected: Record<string, number> = Object.fromEntries(SEED_TABLES.map((t) => [t, files[t].length]));
    expected.payment = files.transaction.length;
    expect(result.tables).toEqual(expected);
    expect(result.tables.payment).toBe(18136);
    for (const [table, rows] of Object.entries(expected)) {
      const [{ n }] = await db.query<{ n: number }>(`select count(*)::int as n from "${table}"`);
      expect([table, n]).toEqual([table, rows]);
    }
    const [{ n }] = await db.query<{ n: number }>('select count(*)::int as n from _prisma_migrations');
    expect(n).toBe(0);
  });

  test('the schema has all its keys and the foreign keys hold', async () => {
    const [{ fks, pks }] = await db.query<{ fks: number; pks: number }>(
      `select count(*) filter (where contype = 'f')::int as fks, count(*) filter (where contype = 'p')::int as pks
         from pg_constraint where connamespace = 'public'::regnamespace`,
    );
    expect(fks).toBe(17);
    expect(pks).toBe(12);
    const unique = await db.query<{ indexname: string }>(
      `select c.relname as indexname
         from pg_index i join pg_class c on c.oid = i.indexrelid
        where c.relnamespace = 'public'::regnamespace and i.indisunique and not i.indisprimary
        order by 1`,
    );
    expect(unique.map((u) => u.indexname)).toEqual([
      'payment_transaction_id_key',
      'transaction_purchase_order_id_key',
      'transaction_sales_order_id_key',
    ]);
    // Every foreign key, checked generically: no child row points at a missing parent.
    const constraints = await db.query<{ child: string; col: string; parent: string; pcol: string }>(
      `select c.conrelid::regclass::text as child, a.attname as col, c.confrelid::regclass::text as parent, pa.attname as pcol
         from pg_constraint c
         join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
         join pg_attribute pa on pa.attrelid = c.confrelid and pa.attnum = c.confkey[1]
        where c.contype = 'f' and c.connamespace = 'public'::regnamespace`,
    );
    expect(constraints).toHaveLength(17);
    for (const fk of constraints) {
      const [{ orphans }] = await db.query<{ orphans: number }>(
        `select count(*)::int as orphans from ${fk.child} c
          where c.${fk.col} is not null and not exists (select 1 from ${fk.parent} p where p.${fk.pcol} = c.${fk.col})`,
      );
      expect([fk.child, fk.col, orphans]).toEqual([fk.child, fk.col, 0]);
    }
  });

  test('values are stored as given: "Leds", timestamps, text dates, enums', async () => {
    const [dept] = await db.query<{ location: string }>('select location from department where department_id = 4');
    expect(dept.location).toBe('Leds');
    const stamps = await db.query<{ id: number; created: string; updated: string }>(
      `select transaction_id as id,
              to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS') as created,
              to_char(last_updated, 'YYYY-MM-DD"T"HH24:MI:SS.MS') as updated
         from transaction`,
    );
    const byId = new Map(files.transaction.map((t) => [t.transaction_id as number, t]));
    const mismatched = stamps.filter((s) => {
      const t = byId.get(s.id)!;
      return t.created_at !== s.created || t.last_updated !== s.updated;
    });
    expect(mismatched).toEqual([]);
    const [real] = await db.query<{ created_at: string; last_updated: string; payment_date: string }>(
      'select created_at, last_updated, payment_date from payment where payment_id = 1',
    );
    expect(real).toEqual({
      created_at: '2022-11-03 14:20:52.186',
      last_updated: '2022-11-07 07:55:11.885',
      payment_date: '2022-11-07',
    });
    const [so] = await db.query<{ agreed_payment_date: string }>(
      'select agreed_payment_date from sales_order where sales_order_id = 2',
    );
    expect(so.agreed_payment_date).toBe('2022-11-08');
    const types = await db.query<{ t: string; n: number }>(
      'select transaction_type::text as t, count(*)::int as n from transaction group by 1 order by 1',
    );
    expect(types).toEqual([
      { t: 'PURCHASE', n: files.transaction.filter((t) => t.transaction_type === 'PURCHASE').length },
      { t: 'SALE', n: files.transaction.filter((t) => t.transaction_type === 'SALE').length },
    ]);
  });

  test('money totals equal the files to the cent', async () => {
    const [totals] = await db.query<{ so: string; po: string; sample: string; sales: string; purchases: string }>(
      `select (select sum(unit_price) from sales_order)::text as so,
              (select sum(item_unit_price) from purchase_order)::text as po,
              (select sum(payment_amount) from payment where payment_id = any ($1::int[]))::text as sample,
              (select sum(units_sold * unit_price) from sales_order)::text as sales,
              (select sum(item_quantity * item_unit_price) from purchase_order)::text as purchases`,
      [files.payment_sample.map((p) => p.payment_id)],
    );
    expect(sqlCents(totals.so)).toBe(sum(files.sales_order.map((o) => fileCents(o.unit_price))));
    expect(sqlCents(totals.po)).toBe(sum(files.purchase_order.map((o) => fileCents(o.item_unit_price))));
    expect(sqlCents(totals.sample)).toBe(sum(files.payment_sample.map((p) => fileCents(p.payment_amount))));
    expect(sqlCents(totals.sales)).toBe(
      sum(files.sales_order.map((o) => BigInt(o.units_sold as number) * fileCents(o.unit_price))),
    );
    expect(sqlCents(totals.purchases)).toBe(
      sum(files.purchase_order.map((o) => BigInt(o.item_quantity as number) * fileCents(o.item_unit_price))),
    );
    // Synthesised payments (all but the sample) equal their order's units × price.
    const [{ off }] = await db.query<{ off: number }>(
      `select count(*)::int as off
         from payment p
         join transaction t on t.transaction_id = p.transaction_id
         left join sales_order s on s.sales_order_id = t.sales_order_id
         left join purchase_order o on o.purchase_order_id = t.purchase_order_id
        where p.payment_id <> all ($1::int[])
          and p.payment_amount <> coalesce(s.units_sold * s.unit_price, o.item_quantity * o.item_unit_price)`,
      [files.payment_sample.map((p) => p.payment_id)],
    );
    expect(off).toBe(0);
  });

  test('sequences continue after the highest loaded id', async () => {
    const [row] = await db.query<{ next: number; max: number }>(
      `select nextval('public.sales_order_sales_order_id_seq')::int as next, (select max(sales_order_id) from sales_order) as max`,
    );
    expect(row.next).toBe(row.max + 1);
    const [pay] = await db.query<{ next: number }>(`select nextval('public.payment_payment_id_seq')::int as next`);
    expect(pay.next).toBe(18137);
  });

  // Last: it replaces the data the tests above read (with the same rows).
  test('reset empties the ToteSys tables and seeds them again; a reseed that cannot start keeps the old rows', async () => {
    await db.exec("insert into currency (currency_id, currency_code, created_at, last_updated) values (99, 'XXX', now(), now())");
    await expect(seedSource(db, { reset: true, scale: 0 })).rejects.toThrow(/cannot seed at scale 0/);
    await expect(seedSource(db, { reset: true, dataDir: '/nonexistent' })).rejects.toThrow(TerminalError);
    const [kept] = await db.query<{ n: number }>('select count(*)::int as n from currency where currency_id = 99');
    expect(kept.n).toBe(1);
    const again = await seedSource(db, { reset: true });
    expect(again.tables).toEqual(result.tables);
    const [gone] = await db.query<{ n: number }>('select count(*)::int as n from currency where currency_id = 99');
    expect(gone.n).toBe(0);
    const [row] = await db.query<{ next: number; max: number }>(
      `select nextval('public.sales_order_sales_order_id_seq')::int as next, (select max(sales_order_id) from sales_order) as max`,
    );
    expect(row.next).toBe(row.max + 1);
  });
});

describe('seed files', () => {
  test('a missing data folder is a terminal error that leaves the database untouched; an existing empty schema is reused', async () => {
    const db = await openPg({ memory: true });
    try {
      await expect(seedSource(db, { dataDir: join(SEED_DATA_DIR, 'missing') })).rejects.toThrow(TerminalError);
      await expect(seedSource(db, { dataDir: join(SEED_DATA_DIR, 'missing') })).rejects.toThrow(/no seed file address/);
      const [{ tables }] = await db.query<{ tables: number }>(
        `select count(*)::int as tables from pg_tables where schemaname = 'public'`,
      );
      expect(tables).toBe(0);
      // Tables created beforehand (and empty) are seeded without running the DDL again.
      await db.exec(readFileSync(join(SEED_DATA_DIR, '..', 'totesys-schema.sql'), 'utf8'));
      expect(await isSourceEmpty(db)).toBe(true);
      const result = await seedSource(db);
      expect(result.tables.sales_order).toBe(12836);
    } finally {
      await db.close();
    }
  });

  // The vendored copies must stay byte-exact gzips of the shared originals (checked where those exist).
  if (existsSync(SHARED)) {
    test.each(FILES)('%s.json.gz unzips to the shared original byte for byte', (name) => {
      const vendored = gunzipSync(readFileSync(join(SEED_DATA_DIR, `${name}.json.gz`)));
      expect(vendored.equals(readFileSync(join(SHARED, `${name}.json`)))).toBe(true);
    });
  }
});
