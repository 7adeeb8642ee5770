import { NotFoundError, TerminalError } from '../../jobs/lib/core/errors';
import type { PgClient } from '../../jobs/lib/adapters/postgres/pg-client';
import { openPg } from '../../jobs/lib/runtimes/local/open-database';
import { PgSourceDb } from '../../jobs/lib/adapters/postgres/pg-source-db';
import type { RawLinePage, RawRow } from '../../jobs/lib/core/ports';
import { describeEach, openFreshDb, pgTargets } from '../support/pg-test-db';

const targets = pgTargets();

/** The rows of a page of raw lines, each line (cut where `starts` says) parsed as JSON. */
function rowsOfPage(page: RawLinePage): RawRow[] {
  return page.starts.map(
    (start, i) => JSON.parse(page.text.toString('utf8', start, page.starts[i + 1] ?? page.text.length)) as RawRow,
  );
}

/** Every page of a stream of raw lines, as parsed rows. */
async function collect(pages: AsyncIterable<RawLinePage>): Promise<RawRow[][]> {
  const out: RawRow[][] = [];
  for await (const page of pages) out.push(rowsOfPage(page));
  return out;
}

describeEach(targets)('PgSourceDb on $name', ({ target }) => {
  let db: PgClient;
  let drop: () => Promise<void>;
  let source: PgSourceDb;
  let url: string | undefined;

  beforeAll(async () => {
    ({ db, drop, url } = await openFreshDb(target, 'pgsource'));
    await db.exec(`
      create type "Kind" as enum ('SALE', 'PURCHASE');
      create table item (
        item_id integer primary key,
        name text,
        price numeric(10,2) not null,
        kind "Kind" not null,
        due text,
        paid boolean not null,
        created_at timestamp(3) without time zone not null,
        last_updated timestamp(3) without time zone not null
      );
      create table pair (
        a integer not null,
        b text not null,
        last_updated timestamp(3) not null,
        primary key (b, a)
      );
      create table no_stamp (id integer primary key, name text);
      create table no_key (id integer, last_updated timestamp(3));
      create view item_view as select * from item;
    `);
    // 23 rows over 5 distinct last_updated values, inserted out of order.
    const stamps = [
      '2022-11-03 14:20:52.186',
      '2022-11-03 14:20:52.187',
      '2022-11-03 14:20:52',
      '2023-01-01 00:00:00.5',
      '2025-02-25 13:26:09.875',
    ];
    for (let i = 23; i >= 1; i--) {
      const stamp = stamps[(i * 7) % stamps.length];
      await db.query(`insert into item values ($1, $2, $3, $4, $5, $6, $7, $8)`, [
        i,
        i === 5 ? null : `item ${i}`,
        i === 1 ? '3.9' : `${i}.05`,
        i % 2 ? 'SALE' : 'PURCHASE',
        '2022-11-07',
        i % 3 === 0,
        stamp,
        stamp,
      ]);
    }
    for (const [a, b, lu] of [
      [2, 'x', '2022-01-01 00:00:00'],
      [1, 'x', '2022-01-01 00:00:00'],
      [1, 'w', '2022-01-01 00:00:00'],
      [3, 'a', '2022-01-02 00:00:00'],
    ] as const) {
      await db.query('insert into pair values ($1, $2, $3)', [a, b, lu]);
    }
    source = new PgSourceDb(db);
  });

  afterAll(async () => {
    await source.close();
    await drop();
  });

  test('streams two tables at once on a second connection when it can open one, else in turn on the one client', async () => {
    const opened: PgClient[] = [];
    const connect = async () => {
      const extra = await openPg({ url: url! });
      opened.push(extra);
      return extra;
    };
    const pair = (await collect(source.streamChangedLines('pair', null))).flat();
    for (const options of url ? [{ connect }, {}] : [{}]) {
      const shared = new PgSourceDb(db, options);
      // Hold one table's stream open after its first page, then read another table in full.
      const item = shared.streamChangedLines('item', null, 1)[Symbol.asyncIterator]();
      expect((await item.next()).done).toBe(false);
      let pairDone = false;
      const second = collect(shared.streamChangedLines('pair', null)).then((pages) => {
        pairDone = true;
        return pages.flat();
      });
      // With a second connection the other table streams meanwhile (it completes while the first stream
      // is still open, whatever the machine's load); with one it waits its turn.
      if ('connect' in options) await second;
      else await new Promise((resolve) => setTimeout(resolve, 200));
      expect(pairDone).toBe('connect' in options);
      let rest = 0;
      while (!(await item.next()).done) rest++;
      expect(rest).toBe(22);
      expect(await second).toEqual(pair);
      await shared.close();
    }
    expect(opened).toHaveLength(url ? 1 : 0);
    // close() closed the connection it opened; the client it was given stays open.
    for (const extra of opened) await expect(extra.query('select 1')).rejects.toThrow();
    expect(await db.query('select 1 as one')).toEqual([{ one: 1 }]);
  });

  test('lists base tables that have last_updated, sorted by name', async () => {
    expect(await source.listTables()).toEqual(['item', 'no_key', 'pair']);
  });

  test('describes columns in order, enums as USER-DEFINED, with nullability and the primary key', async () => {
    const columns = await source.describe('item');
    expect(columns.map((c) => c.name)).toEqual(['item_id', 'name', 'price', 'kind', 'due', 'paid', 'created_at', 'last_updated']);
    expect(columns[0]).toEqual({ name: 'item_id', dataType: 'integer', nullable: false, primaryKey: true });
    expect(columns[1]).toEqual({ name: 'name', dataType: 'text', nullable: true });
    expect(columns[2].dataType).toBe('numeric');
    expect(columns[3].dataType).toBe('USER-DEFINED');
    expect(columns[7].dataType).toBe('timestamp without time zone');
    expect(await source.primaryKey('pair')).toEqual(['b', 'a']);
  });

  test('pages every row once; on PGlite in (last_updated, key) order across boundaries inside runs of equal last_updated', async () => {
    const all = (await db.query<{ item_id: number }>('select item_id from item order by last_updated, item_id')).map(
      (r) => r.item_id,
    );
    const pages = await collect(source.streamChangedLines('item', null, 4));
    expect(pages.map((p) => p.length)).toEqual([4, 4, 4, 4, 4, 3]);
    const ids = pages.flat().map((r) => r.item_id as number);
    if (url) {
      // A server's COPY is not sorted: every row once, in scan order.
      expect([...ids].sort((a, b) => a - b)).toEqual([...all].sort((a, b) => a - b));
    } else {
      expect(ids).toEqual(all);
      // Five stamps over 23 rows: some page boundary must fall between two rows with the same last_updated.
      const boundarySplitsAGroup = pages
        .slice(1)
        .some((p, i) => p[0].last_updated === pages[i][pages[i].length - 1].last_updated);
      expect(boundarySplitsAGroup).toBe(true);
    }
    // One page when it fits; an exact multiple ends without an empty page.
    expect((await collect(source.streamChangedLines('item', null))).map((p) => p.length)).toEqual([23]);
    expect((await collect(source.streamChangedLines('item', null, 23))).map((p) => p.length)).toEqual([23]);
  });

  test('renders timestamps as ISO with milliseconds, numerics and enums as text, others as themselves', async () => {
    const rows = (await collect(source.streamChangedLines('item', null, 100))).flat();
    const byId = new Map(rows.map((r) => [r.item_id, r]));
    expect(byId.get(1)).toEqual({
      item_id: 1,
      name: 'item 1',
      price: '3.90',
      kind: 'SALE',
      due: '2022-11-07',
      paid: false,
      created_at: '2022-11-03T14:20:52.000',
      last_updated: '2022-11-03T14:20:52.000',
    });
    expect(Object.keys(byId.get(1)!)).toEqual(['item_id', 'name', 'price', 'kind', 'due', 'paid', 'created_at', 'last_updated']);
    expect(byId.get(5)!.name).toBeNull();
    expect(byId.get(2)!.kind).toBe('PURCHASE');
    expect(byId.get(3)!.paid).toBe(true);
    expect(byId.get(3)!.price).toBe('3.05');
    const stamps = new Set(rows.map((r) => r.last_updated));
    expect([...stamps].sort()).toEqual([
      '2022-11-03T14:20:52.000',
      '2022-11-03T14:20:52.186',
      '2022-11-03T14:20:52.187',
      '2023-01-01T00:00:00.500',
      '2025-02-25T13:26:09.875',
    ]);
  });

  test('filters on last_updated >= since (inclusive), bound as a parameter', async () => {
    const since = '2022-11-03T14:20:52.187';
    const rows = (await collect(source.streamChangedLines('item', since, 3))).flat();
    const expected = await db.query<{ item_id: number }>(
      `select item_id from item where last_updated >= '2022-11-03 14:20:52.187' order by last_updated, item_id`,
    );
    expect(rows.map((r) => r.item_id as number).sort((a, b) => a - b)).toEqual(
      expected.map((r) => r.item_id).sort((a, b) => a - b),
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => (r.last_updated as string) >= since)).toBe(true);
    expect(rows.some((r) => r.last_updated === since)).toBe(true);
    expect(await collect(source.streamChangedLines('item', '2030-01-01T00:00:00.000'))).toEqual([]);
    // A value that would break out of a literal is just a bad timestamp parameter.
    await expect(collect(source.streamChangedLines('item', "x' or true --"))).rejects.toThrow();
  });

  test('pages on a composite primary key (on PGlite in key order)', async () => {
    const rows = (await collect(source.streamChangedLines('pair', null, 1))).flat();
    const pairs = rows.map((r) => `${r.b}${r.a}`);
    expect(url ? pairs.sort() : pairs).toEqual(url ? ['a3', 'w1', 'x1', 'x2'] : ['w1', 'x1', 'x2', 'a3']);
  });

  test('rejects unsafe names, missing tables, and tables it cannot page', async () => {
    await expect(source.describe('item; drop table item')).rejects.toThrow(TypeError);
    await expect(source.describe('missing')).rejects.toThrow(NotFoundError);
    await expect(collect(source.streamChangedLines('no_stamp', null))).rejects.toThrow(TerminalError);
    await expect(collect(source.streamChangedLines('no_key', null))).rejects.toThrow(/no primary key/);
    await expect(collect(source.streamChangedLines('item', null, 0))).rejects.toThrow(RangeError);
  });
});
