/**
 * Reconcile's canonical row text (jobs/lib/core/row-text.ts) is the same
 * text from the source and from the lake: the lines PgReconcileSource streams
 * (COPY on a server, keyset pages on PGlite) carry, after the key, exactly
 * the text DuckDB renders from the same values typed as the cleaned zone
 * types them. Values that break naive renderings: text holding a tab, a
 * newline, a carriage return, a backslash and the literal `\N`; NULLs;
 * timestamps whose fraction ends in zeros or is zero, and one with
 * microseconds (truncated); a timestamptz; a typed and a text date; a numeric
 * with one decimal; booleans. A row whose text differs must differ in DuckDB
 * too (the comparison would otherwise miss a change).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import type { PgClient } from '../../jobs/lib/adapters/postgres/pg-client';
import { PgReconcileSource } from '../../jobs/lib/adapters/postgres/pg-reconcile-source';
import { engineHashSql, rowTextSql } from '../../jobs/lib/core/row-text';
import type { SourceTableDef } from '../../jobs/lib/definition/tables';
import { describeEach, openFreshDb, pgTargets } from '../support/pg-test-db';

const ODDITIES: SourceTableDef = {
  name: 'oddity',
  primaryKey: 'oddity_id',
  columns: [
    { name: 'oddity_id', type: 'int' },
    { name: 'note', type: 'varchar', nullable: true },
    { name: 'flag', type: 'boolean', nullable: true },
    { name: 'amount', type: 'decimal(10,2)', nullable: true },
    { name: 'due_date', type: 'date', nullable: true },
    { name: 'agreed_date', type: 'date', nullable: true },
    { name: 'created_at', type: 'timestamp', nullable: true },
    { name: 'stamped_at', type: 'timestamp', nullable: true },
    { name: 'last_updated', type: 'timestamp' },
  ],
};

/** One row per oddity, as SQL literals both engines read: id, note, flag, amount, due_date, agreed_date (text), created_at, stamped_at (UTC). */
const ROWS: string[][] = [
  ['1', `'plain'`, 'true', '123.4', `'2022-11-03'`, `'2022-11-07'`, `'2022-11-03 14:20:52.180'`, `'2022-11-03 14:20:52.186'`],
  [
    '2',
    `'tab' || chr(9) || 'newline' || chr(10) || 'cr' || chr(13) || 'end'`,
    'false',
    '0',
    'null',
    'null',
    `'2022-11-03 14:20:00'`,
    'null',
  ],
  [
    '3',
    `'back\\slash and \\N, a ' || chr(8) || chr(12) || chr(11) || ' and a unit separator ' || chr(31)`,
    'null',
    '-7.05',
    `'1999-12-31'`,
    `'2023-01-01'`,
    `'2022-11-03 14:20:52.100'`,
    `'2022-11-03 23:59:59.999'`,
  ],
  ['4', 'null', 'true', 'null', 'null', 'null', 'null', 'null'],
  [
    '5',
    `'é ünïcode ✓'`,
    'false',
    '99999999.99',
    `'2024-02-29'`,
    `'2024-02-29'`,
    `'2022-11-03 14:20:52.1239'`,
    `'2000-01-01 00:00:00'`,
  ],
];

describeEach(pgTargets())('canonical row text: source and lake agree ($name)', ({ target }) => {
  let db: PgClient;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ db, drop } = await openFreshDb(target, 'rowtext'));
    await db.exec(`create table oddity (
      oddity_id integer primary key, note text, flag boolean, amount numeric(12,3), due_date date, agreed_date text,
      created_at timestamp(6), stamped_at timestamptz, last_updated timestamp(3) not null default now())`);
    for (const row of ROWS) {
      await db.exec(
        `insert into oddity (oddity_id, note, flag, amount, due_date, agreed_date, created_at, stamped_at) values (${row
          .map((v, i) => (i === 7 && v !== 'null' ? `${v}::timestamp at time zone 'UTC'` : v))
          .join(', ')})`,
      );
    }
    // A server in another zone and date style must still render ISO UTC text.
    if (db.kind === 'postgres') await db.exec("set timezone = 'America/New_York'; set datestyle = 'SQL, DMY'");
  });
  afterAll(async () => {
    await drop();
  });

  /** The lake's text of every row, from DuckDB over the same values typed as the cleaned zone types them. */
  async function lakeTexts(): Promise<Map<string, { text: string; hash: bigint }>> {
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    try {
      await duck.run(`create table oddity (oddity_id integer, note varchar, flag boolean, amount decimal(10,2), due_date date,
        agreed_date date, created_at timestamp, stamped_at timestamp, last_updated timestamp)`);
      for (const row of ROWS) {
        const values = row.map((v, i) => (i === 6 && v !== 'null' ? `date_trunc('millisecond', cast(${v} as timestamp))` : v));
        await duck.run(`insert into oddity values (${values.join(', ')}, now())`);
      }
      const text = rowTextSql(ODDITIES, 'duckdb', 'l');
      const reader = await duck.runAndReadAll(
        `select cast(oddity_id as varchar) as k, ${text} as t, ${engineHashSql('duckdb', text)} as h from oddity l`,
      );
      return new Map(reader.getRowObjects().map((r) => [String(r.k), { text: String(r.t), hash: r.h as bigint }]));
    } finally {
      duck.closeSync();
    }
  }

  test('every streamed line is <key>\\t<the text DuckDB renders from the typed values>', async () => {
    const source = new PgReconcileSource(db);
    let streamed = '';
    for await (const chunk of source.keyTexts(ODDITIES, await source.describe('oddity'))) streamed += chunk.toString('utf8');
    const lines = streamed.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(ROWS.length);
    const lake = await lakeTexts();
    for (const line of lines) {
      const [key, text, ...rest] = line.split('\t');
      expect(rest).toEqual([]);
      expect({ key, text }).toEqual({ key, text: lake.get(key)?.text });
    }
    // Spot checks of the rendering itself.
    const byKey = new Map(lines.map((l) => l.split('\t') as [string, string]));
    expect(byKey.get('1')!.split('\x1f')).toEqual([
      '1',
      'plain',
      'true',
      '123.40',
      '2022-11-03',
      '2022-11-07',
      '2022-11-03 14:20:52.18',
      '2022-11-03 14:20:52.186',
    ]);
    expect(byKey.get('2')).toContain('tab\\tnewline\\ncr\\rend');
    expect(byKey.get('2')!.split('\x1f').slice(4, 7)).toEqual(['\\\\N', '\\\\N', '2022-11-03 14:20:00']);
    expect(byKey.get('3')!.split('\x1f')[1]).toBe('back\\\\slash and \\\\N, a \\b\\f\\v and a unit separator ');
    expect(byKey.get('5')!.split('\x1f')[6]).toBe('2022-11-03 14:20:52.123');
  });

  test('a changed value changes the engine hash of its row', async () => {
    const lake = await lakeTexts();
    const hashes = [...lake.values()].map((v) => v.hash);
    expect(new Set(hashes).size).toBe(ROWS.length);
  });
});
