/**
 * PgSourceDb's raw-line fast path (streamChangedLines) against its row path
 * (streamChanged) on awkward values, on PGlite and, with TEST_DATABASE_URL, on
 * a server (where both read one COPY stream), there both with the lines
 * rendered on the calling thread and on render worker threads.
 */
import { gunzipSync } from 'node:zlib';
import { type PgClient } from '../../jobs/lib/adapters/postgres/pg-client';
import { PgSourceDb } from '../../jobs/lib/adapters/postgres/pg-source-db';
import type { RawLinePage, RawRow } from '../../jobs/lib/core/ports';
import { RawPartWriter } from '../../jobs/lib/core/raw-part-writer';
import type { ObjectStore } from '../../jobs/lib/core/ports';
import type { Readable } from 'node:stream';
import { openFreshDb, pgTargets } from '../support/pg-test-db';

/** Each target, and on a server also with `renderWorkers` (PGlite has no COPY stream to render). */
const cases = pgTargets().flatMap(({ name, target }) => [
  { name, target, renderWorkers: false },
  ...('url' in target ? [{ name: `${name} with render workers`, target, renderWorkers: true }] : []),
]);

async function rowsOf(pages: AsyncIterable<RawRow[]>): Promise<RawRow[]> {
  const out: RawRow[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

async function pagesOf(pages: AsyncIterable<RawLinePage>): Promise<RawLinePage[]> {
  const out: RawLinePage[] = [];
  for await (const page of pages) out.push(page);
  return out;
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

describe.each(cases)('PgSourceDb raw lines on $name', ({ target, renderWorkers }) => {
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
        `2024-07-01 12:00:0${i % 10}.${String(i * 37).padStart(6, '0').slice(0, 6)}+02`,
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

  test('lines are JSON.stringify of the rows, with the same order, stamps and keys', async () => {
    for (const since of [null, '2025-01-02T10:00:00.000']) {
      const rows = await rowsOf(source.streamChanged('odd', since, 7));
      const pages = await pagesOf(source.streamChangedLines('odd', since, 7));
      expect(rows.length).toBeGreaterThan(0);
      const text = Buffer.concat(pages.map((p) => p.text)).toString('utf8');
      expect(text).toBe(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
      expect(pages.flatMap((p) => p.lastUpdated)).toEqual(rows.map((r) => r.last_updated));
      expect(pages.flatMap((p) => p.keys)).toEqual(rows.map((r) => String(r.odd_id)));
      expect(pages.every((p) => p.starts.length <= 7)).toBe(true);
    }
  });

  test('values come out as the raw-zone contract says', async () => {
    const rows = await rowsOf(source.streamChanged('odd', null));
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
    for await (const page of source.streamChangedLines('odd', null, 1)) {
      expect(page.starts).toHaveLength(1);
      break;
    }
    for await (const rows of source.streamChanged('odd', null, 1)) {
      expect(rows).toHaveLength(1);
      break;
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
    for await (const page of source.streamChangedLines('odd', null, 7)) await writer.writePage(page);
    await writer.close();
    expect(writer.files).toHaveLength(3);
    const lines = writer.files.map((key) => gunzipSync(stored.get(key)!).toString('utf8').trimEnd().split('\n'));
    expect(lines.map((l) => l.length)).toEqual([15, 15, 10]);
    const rows = await rowsOf(source.streamChanged('odd', null));
    expect(lines.flat().map((l) => JSON.parse(l))).toEqual(JSON.parse(JSON.stringify(rows)));
  });
});
