/**
 * `seedSource(db, { scale: 2 })` on in-memory PGlite and, with
 * TEST_DATABASE_URL, on a PostgreSQL server: twice the order-level rows, the
 * dimensions at their real size, every key and foreign key back in place, and
 * the same rows every time.
 */
import { TerminalError } from '../../jobs/lib/core/errors';
import type { PgClient } from '../../jobs/lib/adapters/postgres/pg-client';
import { SCALED_TABLES } from '../../scripts/seed/scale';
import { readSeedFile, SEED_DATA_DIR, seedSource } from '../../scripts/seed/seed-source';
import { describeEach, openFreshDb, pgTargets } from '../support/pg-test-db';

const targets = pgTargets();

/** A digest of a table's rows in key order, computed by the database. */
async function digest(db: PgClient, table: string, key: string): Promise<string> {
  const [row] = await db.query<{ d: string }>(
    `select md5(string_agg(t::text, '|' order by t.${key})) as d from public."${table}" t`,
  );
  return row.d;
}

const KEYS: Record<string, string> = {
  sales_order: 'sales_order_id',
  purchase_order: 'purchase_order_id',
  transaction: 'transaction_id',
  payment: 'payment_id',
};

describeEach(targets)('seedSource at scale 2 on $name', ({ target }) => {
  let db: PgClient;
  let drop: () => Promise<void>;
  let tables: Record<string, number>;
  let realRows: Record<string, number>;

  beforeAll(async () => {
    ({ db, drop } = await openFreshDb(target, 'scaleseed'));
    tables = (await seedSource(db, { scale: 2 })).tables;
    realRows = {
      sales_order: (await readSeedFile(SEED_DATA_DIR, 'sales_order')).length,
      purchase_order: (await readSeedFile(SEED_DATA_DIR, 'purchase_order')).length,
      transaction: (await readSeedFile(SEED_DATA_DIR, 'transaction')).length,
      address: (await readSeedFile(SEED_DATA_DIR, 'address')).length,
      design: (await readSeedFile(SEED_DATA_DIR, 'design')).length,
    };
    realRows.payment = realRows.transaction;
  });

  afterAll(async () => {
    await drop();
  });

  test('doubles the order-level tables and keeps the dimensions at their real size', async () => {
    for (const table of SCALED_TABLES) expect([table, tables[table]]).toEqual([table, 2 * realRows[table]]);
    expect(tables.address).toBe(realRows.address);
    expect(tables.design).toBe(realRows.design);
    for (const [table, rows] of Object.entries(tables)) {
      const [{ n }] = await db.query<{ n: number }>(`select count(*)::int as n from public."${table}"`);
      expect([table, n]).toEqual([table, rows]);
    }
  });

  test('restores every key, unique index and foreign key, and the rows satisfy them', async () => {
    const [{ fks, pks }] = await db.query<{ fks: number; pks: number }>(
      `select count(*) filter (where contype = 'f')::int as fks, count(*) filter (where contype = 'p')::int as pks
         from pg_constraint where connamespace = 'public'::regnamespace and convalidated`,
    );
    expect({ fks, pks }).toEqual({ fks: 17, pks: 12 });
    const unique = await db.query<{ name: string }>(
      `select c.relname as name from pg_index i join pg_class c on c.oid = i.indexrelid
        where c.relnamespace = 'public'::regnamespace and i.indisunique and not i.indisprimary order by 1`,
    );
    expect(unique.map((u) => u.name)).toEqual([
      'payment_transaction_id_key',
      'transaction_purchase_order_id_key',
      'transaction_sales_order_id_key',
    ]);
    // A duplicate of a copied key is refused, so the keys are really there.
    await expect(db.query(`insert into sales_order select * from sales_order where sales_order_id = 100002`)).rejects.toThrow();
  });

  test('copies move ids by 100,000 and times by a day, and their payments match their orders', async () => {
    const [pair] = await db.query<{ real: string; copy: string; shifted: boolean }>(
      `select r.created_at::text as real, c.created_at::text as copy, c.created_at = r.created_at + interval '1 day' as shifted
         from sales_order r join sales_order c on c.sales_order_id = r.sales_order_id + 100000
        where r.sales_order_id = 2`,
    );
    expect(pair.shifted).toBe(true);
    const [{ off }] = await db.query<{ off: number }>(
      `select count(*)::int as off
         from payment p
         join transaction t on t.transaction_id = p.transaction_id
         left join sales_order s on s.sales_order_id = t.sales_order_id
         left join purchase_order o on o.purchase_order_id = t.purchase_order_id
        where p.payment_id > 100000
          and (p.payment_amount <> coalesce(s.units_sold * s.unit_price, o.item_quantity * o.item_unit_price)
               or p.counterparty_id <> coalesce(s.counterparty_id, o.counterparty_id)
               or p.created_at <> t.created_at)`,
    );
    expect(off).toBe(0);
    const [{ linked }] = await db.query<{ linked: number }>(
      `select count(*)::int as linked from transaction
        where transaction_id > 100000 and coalesce(sales_order_id, purchase_order_id) > 100000`,
    );
    expect(linked).toBe(realRows.transaction);
  });

  test('sequences continue after the copies', async () => {
    const [row] = await db.query<{ next: number; max: number }>(
      `select nextval('public.transaction_transaction_id_seq')::int as next, (select max(transaction_id) from transaction) as max`,
    );
    expect(row.next).toBe(row.max + 1);
  });

  test('gives the same rows on a second database, and refuses a bad scale', async () => {
    const other = await openFreshDb(target, 'scaleseed2');
    try {
      await expect(seedSource(other.db, { scale: 0 })).rejects.toThrow(TerminalError);
      await seedSource(other.db, { scale: 2 });
      for (const table of SCALED_TABLES) {
        expect([table, await digest(other.db, table, KEYS[table])]).toEqual([table, await digest(db, table, KEYS[table])]);
      }
    } finally {
      await other.drop();
    }
  });
});
