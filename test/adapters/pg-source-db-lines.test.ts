/**
 * PgSourceDb's raw lines (streamChangedLines) on awkward values, on PGlite
 * and, with TEST_DATABASE_URL, on a server (where they are rendered from one
 * COPY stream), there both on the calling thread and on render worker
 * threads. The expected rows are written out here from the inserted values
 * and the raw-zone contract (docs/architecture.md "Data contracts"), not read back through the source.
 */
import { gunzipSync } from 'node:zlib';
import type { PgClient } from '../../jobs/lib/adapters/postgres/pg-client';
import { PgSourceDb } from '../../jobs/lib/adapters/postgres/pg-source-db';
import type { RawLinePage, RawRow } from '../../jobs/lib/core/ports';
import { RawPartWriter } from '../../jobs/lib/core/raw-part-writer';
import type { ObjectStore } from '../../jobs/lib/core/ports';
import type { Readable } from 'node:stream';
import { describeEach, openFreshDb, pgTargets } from '../support/pg-test-db';

/** Each target, and on a server also with `renderWorkers` (PGlite has no COPY stream to render). */
const cases = pgTargets().flatMap(({ name, target, skip }) => [
  { name, target, skip, renderWorkers: false },
  ...('url' in target ? [{ name: `${name} with render workers`, target, skip, renderWorkers: true }] : []),
]);

/** Each line of a page (cut where `starts` says), without its newline. */
function linesOf(page: RawLinePage): string[] {
  return page.starts.map((start, i) => page.text.toString('utf8', start, (page.starts[i + 1] ?? page.text.length) - 1));
}

/** The rows of a stream of raw lines, each line parsed as JSON. */
async function rowsOf(pages: AsyncIterable<RawLinePage>): Promise<RawRow[]> {
  const out: RawRow[] = [];
  for await (const page of pages) out.push(...linesOf(page).map((line) => JSON.parse(line) as RawRow));
  return out;
}

/** Rows sorted by `odd_id`, for comparing a server's scan order with an expected list. */
const byOddId = (rows: RawRow[]) => [...rows].sort((a, b) => (a.odd_id as number) - (b.odd_id as number));

async function pagesOf(pages: AsyncIterable<RawLinePage>): Promise<RawLinePage[]> {
  const out: RawLinePage[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

/** The columns of table odd, in source order. */
const ODD_COLUMNS = ['odd_id', 'label', 'ratio', 'amount', 'mood', 'due', 'seen_at', 'flag', 'last_updated'];

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * Row `i` of table odd as the raw zone must hold it: bigint ids as numbers,
 * numerics as text, timestamptz in UTC (the insert is at +02) with its
 * microseconds truncated to milliseconds, dates as text.
 */
function expectedOdd(i: number): RawRow {
  return {
    odd_id: 9_000_000_000 + i,
    label: texts[i % texts.length],
    ratio: i % 5 === 0 ? null : i / 8,
    amount: i % 4 === 0 ? null : `${i}.${pad(i % 100, 2)}`,
    mood: i % 2 ? 'ok' : 'meh',
    due: `2024-02-${pad(1 + (i % 28), 2)}`,
    seen_at: `2024-07-01T10:00:0${i % 10}.${pad(i * 37, 6).slice(0, 3)}`,
    flag: i % 3 === 0,
    last_updated: `2025-01-0${1 + (i % 3)}T10:00:00.${pad(i % 7 === 0 ? 0 : i * 10, 3)}`,
  };
}

const texts = [
  'plain',
  'tab\tand\nnewline\rreturn',
  'quote " and backslash \\ and \\N',
  'ctrl \u0001\u001f\b\f\u000b del \u007f',
  'é ü 😀 \u2028',
  '',
  null,
];
const ODD_ROWS = Array.from({ length: 40 }, (_, i) => expectedOdd(i));

describeEach(cases)('PgSourceDb raw lines on $name', ({ target, renderWorkers }) => {
  let db: PgClient;
  let drop: () => Promise<void>;
  let source: PgSourceDb;

  beforeAll(async () => {
    ({ db, drop } = await openFreshDb(target, renderWorkers ? 'sourcelinesw' : 'sourcelines'));
    await db.exec(`
      create type "Mood" as enum ('ok', 'meh');
      create table odd (
        odd_id bigint primary key,
        label text,
        ratio double precision,
        amount numeric(10,2),
        mood "Mood",
        due date,
        seen_at timestamp(6) with time zone,
        flag boolean,
        last_updated timestamp(3) not null
      );
      create table pair (a integer not null, b text not null, last_updated timestamp(3) not null, primary key (b, a));
    `);
    for (let i = 0; i < 40; i++) {
      await db.query('insert into odd values ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
        9_000_000_000 + i,
        texts[i % texts.length],
        i % 5 === 0 ? null : i / 8,
        i % 4 === 0 ? null : `${i}.${String(i % 100).padStart(2, '0')}`,
        i % 2 ? 'ok' : 'meh',
        `2024-02-${String(1 + (i % 28)).padStart(2, '0')}`,
        `2024-07-01 12:00:0${i % 10}.${String(i * 37)
          .padStart(6, '0')
          .slice(0, 6)}+02`,
        i % 3 === 0,
        `2025-01-0${1 + (i % 3)} 10:00:00.${String(i % 7 === 0 ? 0 : i * 10).padStart(3, '0')}`,
      ]);
    }
    await db.exec(`
      insert into pair values (1, 'x\ty', '2022-01-01'), (2, 'x\ty', '2022-01-01'), (1, 'w"', '2022-01-02');
    `);
    source = new PgSourceDb(db, { renderWorkers });
  });

  afterAll(async () => {
    await source.close();
    await drop();
  });

  test('lines are JSON.stringify of the expected rows, columns in source order, with their stamps and keys', async () => {
    for (const since of [null, '2025-01-02T10:00:00.000']) {
      const pages = await pagesOf(source.streamChangedLines('odd', since, 7));
      const lines = pages.flatMap(linesOf);
      const rows = lines.map((line) => JSON.parse(line) as RawRow);
      expect(rows.length).toBeGreaterThan(0);
      // Exactly the text JSON.stringify writes for the row, keys in source column order.
      expect(lines).toEqual(rows.map((r) => JSON.stringify(r)));
      for (const row of rows) expect(Object.keys(row)).toEqual(ODD_COLUMNS);
      expect(byOddId(rows)).toEqual(ODD_ROWS.filter((r) => since === null || (r.last_updated as string) >= since));
      expect(pages.flatMap((p) => p.lastUpdated)).toEqual(rows.map((r) => r.last_updated));
      expect(pages.flatMap((p) => p.keys)).toEqual(rows.map((r) => String(r.odd_id)));
      expect(pages.every((p) => p.starts.length <= 7)).toBe(true);
      expect(pages.every((p) => p.text.length === 0 || p.text[p.text.length - 1] === 0x0a)).toBe(true);
    }
  });

  test('values come out as the raw-zone contract says', async () => {
    const rows = await rowsOf(source.streamChangedLines('odd', null));
    const byId = new Map(rows.map((r) => [r.odd_id, r]));
    const first = byId.get(9_000_000_001)!;
    expect(first).toMatchObject({ label: texts[1], ratio: 0.125, amount: '1.01', mood: 'ok', due: '2024-02-02', flag: false });
    expect(byId.get(9_000_000_000)).toMatchObject({ ratio: null, amount: null, last_updated: '2025-01-01T10:00:00.000' });
    // timestamptz comes out in UTC; microseconds are truncated to milliseconds.
    expect(first.seen_at).toBe('2024-07-01T10:00:01.000');
    expect(byId.get(9_000_000_003)!.seen_at).toBe('2024-07-01T10:00:03.000');
    expect(byId.get(9_000_000_030)!.seen_at).toBe('2024-07-01T10:00:00.001');
    expect(rows.map((r) => r.label)).toEqual(expect.arrayContaining(texts));
  });

  test('composite keys are JSON arrays in key order', async () => {
    const pages = await pagesOf(source.streamChangedLines('pair', null));
    expect(pages.flatMap((p) => p.keys).sort()).toEqual(['["w\\"",1]', '["x\\ty",1]', '["x\\ty",2]']);
  });

  test('a consumer that stops early leaves the client usable', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      for await (const page of source.streamChangedLines('odd', null, 1)) {
        expect(page.starts).toHaveLength(1);
        break;
      }
    }
    expect(await db.query('select count(*)::int as n from odd')).toEqual([{ n: 40 }]);
  });

  test('a since that is not an ISO timestamp is refused', async () => {
    await expect(pagesOf(source.streamChangedLines('odd', "2025-01-01' or true --"))).rejects.toThrow();
  });

  test('the part writer stores pages as gzip JSON Lines, cutting parts at row boundaries', async () => {
    const stored = new Map<string, Buffer>();
    const store = {
      async putStream(key: string, body: Readable) {
        const chunks: Buffer[] = [];
        for await (const chunk of body) chunks.push(chunk as Buffer);
        stored.set(key, Buffer.concat(chunks));
      },
    } as unknown as ObjectStore;
    const writer = new RawPartWriter(store, 'odd', '20250101t000000z', 15);
    const given: string[] = [];
    for await (const page of source.streamChangedLines('odd', null, 7)) {
      given.push(...linesOf(page));
      await writer.writePage(page);
    }
    await writer.close();
    expect(writer.files).toHaveLength(3);
    const lines = writer.files.map((key) => gunzipSync(stored.get(key)!).toString('utf8').trimEnd().split('\n'));
    expect(lines.map((l) => l.length)).toEqual([15, 15, 10]);
    // The parts hold the lines given, in order, byte for byte; and they are the table's rows.
    expect(lines.flat()).toEqual(given);
    expect(byOddId(lines.flat().map((l) => JSON.parse(l)))).toEqual(ODD_ROWS);
  });
});
