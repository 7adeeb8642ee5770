/**
 * PgClient's COPY and command paths on PGlite and, with TEST_DATABASE_URL, a
 * server: CSV byte chunks cut anywhere (even inside a quoted field) load the
 * same rows, `command` counts affected rows, and (server) `copyOut` streams
 * COPY TO output and leaves the connection usable when stopped early.
 */
import type { PgClient } from '../../jobs/lib/adapters/postgres/pg-client';
import { describeEach, openFreshDb, pgTargets } from '../support/pg-test-db';

const targets = pgTargets();

/** A CSV of `n` rows whose text holds quotes, commas and newlines. */
function csv(n: number): { text: Buffer; rows: { id: number; note: string | null }[] } {
  const rows = Array.from({ length: n }, (_, i) => ({
    id: i,
    note: i % 7 === 0 ? null : `row ${i}, "quoted"\nsecond line ${'é'.repeat(i % 5)}`,
  }));
  const text = rows.map((r) => `${r.id},${r.note === null ? '' : `"${r.note.replace(/"/g, '""')}"`}\n`).join('');
  return { text: Buffer.from(text), rows };
}

async function* pieces(buffer: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < buffer.length; at += size) yield buffer.subarray(at, at + size);
}

describeEach(targets)('PgClient COPY on $name', ({ target }) => {
  /** Tests only a server can run (PGlite has no COPY TO stream): reported as skipped elsewhere, never passed empty. */
  const serverTest = 'url' in target ? test : test.skip;
  let db: PgClient;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ db, drop } = await openFreshDb(target, 'pgcopy'));
    await db.exec('create table note (id integer primary key, note text)');
  });
  afterAll(async () => {
    await drop();
  });

  test('loads CSV byte chunks cut anywhere, and counts the rows', async () => {
    const { text, rows } = csv(20_000);
    for (const size of [997, 65_536, 3_000_001]) {
      await db.exec('truncate note');
      expect(await db.copyFromCsv('copy note (id, note) from stdin (format csv)', pieces(text, size))).toBe(rows.length);
      const loaded = await db.query<{ id: number; note: string | null }>('select id, note from note order by id');
      expect(loaded.length).toBe(rows.length);
      expect(loaded.filter((r, i) => r.note !== rows[i].note)).toEqual([]);
    }
  });

  test('command returns the rows a statement changed', async () => {
    expect(await db.command('update note set note = $1 where id < $2', ['x', 10])).toBe(10);
    expect(await db.command('delete from note where id >= $1', [100])).toBe(19_900);
  });

  serverTest('copyOut streams COPY TO output (server only) and survives a consumer that stops early', async () => {
    if (!db.copyOut) throw new Error(`a server client must have copyOut (kind ${db.kind})`);
    let text = '';
    for await (const chunk of db.copyOut('copy (select id from note order by id) to stdout')) text += chunk.toString();
    expect(text.trim().split('\n').map(Number)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    for await (const chunk of db.copyOut('copy (select g from generate_series(1, 200000) g) to stdout')) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    expect(await db.query('select count(*)::int as n from note')).toEqual([{ n: 100 }]);
  });
});
