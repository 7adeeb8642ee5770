/**
 * The bad-input half of the fault suite (issue 13): files dropped into
 * landing the way users and upstream systems produce them, in one pass on one
 * embedded home. For each kind, where every row ended up: the warehouse (exact
 * values), the rejects (reason and original text) or the quarantine; that
 * nothing else in the warehouse changed; and that a second pass changes
 * nothing. The pass that meets the bad files runs through the package bin in
 * text mode, as a user types it.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { queryRows } from '../../jobs/lib/adapters/duckdb/duckdb';
import { RAW_MAX_ROW_BYTES } from '../../jobs/lib/core/raw-part-writer';
import { STAR_TABLES } from '../../jobs/lib/definition/tables';
import type { LocalRuntime } from '../../jobs/lib/runtimes/local/local-runtime';
import { openLocalRuntime } from '../../jobs/lib/runtimes/local/runtime';
import { readSettings } from '../../jobs/lib/runtimes/local/settings';
import { runOnce } from '../../scripts/cli/commands/run';

const BIN = resolve(__dirname, '../../scripts/bin/lakehouse.js');
const root = mkdtempSync(join(tmpdir(), 'lakehouse-bad-input-'));
const home = join(root, '.lakehouse');
const env = { LAKEHOUSE_HOME: home, LAKEHOUSE_SOURCE_URL: '', LAKEHOUSE_WAREHOUSE_URL: '' };
const open = () => openLocalRuntime(readSettings({ ...process.env, ...env }));
const landing = join(home, 'zones', 'raw', 'landing');
const rawZone = join(home, 'zones', 'raw');

function land(relative: string, body: string | Buffer): void {
  const path = join(landing, relative);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, body);
}

const jsonl = (...rows: unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
const currency = (id: unknown, code: unknown, stamp = '2026-12-01T09:00:00.000', extra: Record<string, unknown> = {}) => ({
  currency_id: id,
  currency_code: code,
  created_at: stamp,
  last_updated: stamp,
  ...extra,
});
const ADDRESS_COLUMNS = [
  'address_id',
  'address_line_1',
  'address_line_2',
  'district',
  'city',
  'postal_code',
  'country',
  'phone',
  'created_at',
  'last_updated',
];
const address = (id: number, city: string, line1 = `${id} High Street`) => ({
  address_id: id,
  address_line_1: line1,
  address_line_2: null,
  district: null,
  city,
  postal_code: `PC${id}`,
  country: 'UK',
  phone: `0100 ${id}`,
  created_at: '2026-12-01T09:00:00.000',
  last_updated: '2026-12-01T09:00:00.000',
});
const design = (id: number, name: string) => ({
  design_id: id,
  created_at: '2026-12-01T09:00:00.000',
  design_name: name,
  file_location: '/usr/designs',
  file_name: `${name.toLowerCase()}-${id}.json`,
  last_updated: '2026-12-01T09:00:00.000',
});

const LONG_LINE = JSON.stringify(currency(20, 'x'.repeat(RAW_MAX_ROW_BYTES + 100)));
const LATIN1_LINE = Buffer.concat([
  Buffer.from('{"currency_id": 21, "currency_code": "M'),
  Buffer.from([0xe9]),
  Buffer.from('X"}'),
]);

/** One kind of bad input: what lands, and where its rows must end up. */
interface Kind {
  kind: string;
  outcome: string;
}
const kinds: Kind[] = [];
const kind = (name: string, outcome: string) => kinds.push({ kind: name, outcome });

async function lakehouse(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      timeout: 240_000,
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Every star table's rows, sorted, as JSON text per row (so any change shows). */
async function warehouseSnapshot(rt: LocalRuntime): Promise<Record<string, string[]>> {
  const wh = await rt.warehouse();
  const out: Record<string, string[]> = {};
  for (const t of STAR_TABLES) {
    out[t.name] = (await wh.query(`select * from ${t.name}`)).map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

const rows = async (rt: LocalRuntime, sql: string) => (await rt.warehouse()).query(sql);

/** The JSON-lines ingest rejects of a table, all runs. */
function ingestRejects(table: string): Record<string, unknown>[] {
  const folder = join(rawZone, '_rejects', table);
  const out: Record<string, unknown>[] = [];
  for (const run of readdirSync(folder)) {
    for (const file of readdirSync(join(folder, run))) {
      for (const line of readFileSync(join(folder, run, file), 'utf8')
        .split('\n')
        .filter(Boolean))
        out.push(JSON.parse(line));
    }
  }
  return out.sort((a, b) => String(a.file).localeCompare(String(b.file)) || Number(a.line) - Number(b.line));
}

function quarantined(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const key = `${prefix}${entry.name}`;
      if (entry.isDirectory()) walk(join(dir, entry.name), `${key}/`);
      else if (key.endsWith('.error.txt')) out[key.slice(0, -'.error.txt'.length)] = readFileSync(join(dir, entry.name), 'utf8');
    }
  };
  walk(join(rawZone, '_quarantine'), '');
  return out;
}

describe('bad landed input: every row ends up in the warehouse, the rejects or the quarantine', () => {
  let rt: LocalRuntime | undefined;
  let baseline: Record<string, string[]>;
  let afterBad: Record<string, string[]>;
  let runText: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    rt = await open();
    // A source with one table and no rows: the extract matches a table and finds no changes.
    await (await rt.sourceClient()).exec(
      'create table currency (currency_id integer primary key, currency_code text not null, created_at timestamp not null, last_updated timestamp not null)',
    );
    land('currency/base.jsonl', jsonl(currency(1, 'GBP'), currency(2, 'USD'), currency(3, 'EUR')));
    land('address/base.json', JSON.stringify([address(1, 'Leeds')]));
    land('design/base.json', JSON.stringify([design(1, 'Wooden')]));
    const first = await runOnce(rt);
    expect(first.text).not.toMatch(/FAILED|quarantined/);
    expect(first.ok).toBe(true);
    baseline = await warehouseSnapshot(rt);
    await rt.close();
    rt = undefined;

    // Line-level kinds, mixed with good lines in one JSON Lines file of currency.
    land(
      'currency/mixed.jsonl',
      Buffer.concat([
        Buffer.from(
          jsonl(
            currency(11, 'CHF', '', { created_at: '2026-12-03T10:00:00Z', last_updated: '2026-12-03T11:30:00.250+01:00' }),
            '{"currency_id": 12, "currency_code": "broken',
            '[12, "CAD"]',
            currency(12, { nested: 'CAD' }),
            currency('twelve', 'CAD'),
            currency(15, 'SEK', '2026-02-30T10:00:00'),
            currency(null, 'NOK'),
            { currency_code: 'DKK', created_at: '2026-12-01T09:00:00.000', last_updated: '2026-12-01T09:00:00.000' },
            currency(99999999999, 'INR'),
            currency(13, "';"),
            LONG_LINE,
            currency(16, 'AUD', '2026-12-03 10:00:00-05:00'),
          ),
        ),
        LATIN1_LINE,
        Buffer.from('\n'),
      ]),
    );
    // CSV: header in another order, a row with a field too many and one too few, text with accents and SQL.
    const reordered = [...ADDRESS_COLUMNS].reverse();
    const csvLine = (values: Record<string, unknown>) =>
      reordered.map((c) => (values[c] === null ? '' : `"${String(values[c]).replace(/"/g, '""')}"`)).join(',');
    land(
      'address/reordered.csv',
      [
        reordered.join(','),
        csvLine(address(2, 'Montréal')),
        `${csvLine(address(3, 'Paris'))},extra`,
        csvLine(address(4, 'Oslo')).split(',').slice(1).join(','),
        csvLine(address(5, 'Bonn', "1'; delete from dim_location; --")),
      ].join('\r\n'),
    );
    // CSV missing a required column: every row is typed and rejected in the cleaned zone.
    land(
      'address/missing-phone.csv',
      `address_id,address_line_1,city,postal_code,country,created_at,last_updated\n6,1 Rue,Lyon,69001,FR,2026-12-01T09:00:00,2026-12-01T09:00:00\n`,
    );
    // A JSON array with a UTF-8 byte order mark.
    land('design/bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify([design(2, 'Steel')]))]));
    // A nested folder under a known table (date folders from an upstream system).
    land('currency/2026/12/03/nested.jsonl', jsonl(currency(14, 'JPY')));
    // Files that cannot be read, or are not in a table's folder: quarantined whole.
    land('currency/empty.jsonl', '');
    land('currency/zero.jsonl.gz', '');
    land('currency/truncated.jsonl.gz', gzipSync(jsonl(currency(30, 'HKD'), currency(31, 'CNY'))).subarray(0, 20));
    land('currency/not-gzip.csv.gz', 'currency_id,currency_code\n32,NZD\n');
    land('currency/not-parquet.parquet', 'currency_id,currency_code\n33,NZD\n');
    land('currency/sheet.xlsx', 'PK\u0003\u0004 not a csv');
    land('currency/object.json', JSON.stringify(currency(34, 'NZD')));
    // Text longer than the warehouse column it feeds (dim_currency.currency_code varchar(3)), counted in UTF-8
    // bytes as Redshift counts them: 'EU€' is 3 characters but 5 bytes.
    land('currency/too-long.jsonl', jsonl(currency(17, 'EURO'), currency(18, 'EU€')));
    land('currency/all-bad.jsonl', '{oops\n[1]\n');
    land('no_such_table/x.jsonl', jsonl(currency(40, 'NZD')));
    land('..%2F..%2Fescape/x.jsonl', jsonl(currency(41, 'NZD')));
    land('sales_order;drop table x/x.jsonl', jsonl(currency(42, 'NZD')));
    land('loose.jsonl', jsonl(currency(43, 'NZD')));

    runText = await lakehouse(['run']);
    rt = await open();
    afterBad = await warehouseSnapshot(rt);
  });

  afterAll(async () => {
    await rt?.close();
    rmSync(root, { recursive: true, force: true });
    // The table of kinds → outcome, for the closing note.
    console.log(kinds.map((k) => `| ${k.kind} | ${k.outcome} |`).join('\n'));
  });

  it('reports each quarantined file and each file with rejected lines in the run summary, and exits non-zero', () => {
    expect(runText.stderr).toBe('');
    expect(runText.code).toBe(1);
    const out = runText.stdout;
    for (const [key, reason] of [
      ['landing/currency/empty.jsonl', 'the file holds no rows'],
      ['landing/currency/truncated.jsonl.gz', 'not valid gzip'],
      ['landing/currency/not-parquet.parquet', 'not valid Parquet'],
      ['landing/currency/sheet.xlsx', 'unsupported file type'],
      ['landing/no_such_table/x.jsonl', 'is not a source table'],
      ['landing/loose.jsonl', 'directly under landing/'],
    ]) {
      expect(out).toMatch(new RegExp(`^quarantined ${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*${reason}`, 'm'));
    }
    expect(out).toMatch(
      /^rejected 5 of 13 lines of landing\/currency\/mixed\.jsonl \(run \w+\): line 2: is not JSON.*; and 2 more \(kept in raw\/_rejects\/currency\/run_id=\w+\/ingest-00000\.jsonl\)$/m,
    );
    expect(out).toMatch(/^rejected 2 of 4 lines of landing\/address\/reordered\.csv/m);
  });

  it('loads the good rows with exact values (zoned timestamps as UTC, SQL-shaped text verbatim) and changes nothing else', async () => {
    const db = rt!;
    expect(await rows(db, 'select currency_id, currency_code, currency_name from dim_currency order by currency_id')).toEqual([
      { currency_id: 1, currency_code: 'GBP', currency_name: 'British Pound' },
      { currency_id: 2, currency_code: 'USD', currency_name: 'US Dollar' },
      { currency_id: 3, currency_code: 'EUR', currency_name: 'Euro' },
      { currency_id: 11, currency_code: 'CHF', currency_name: 'Swiss Franc' },
      { currency_id: 13, currency_code: "';", currency_name: null },
      { currency_id: 14, currency_code: 'JPY', currency_name: 'Japanese Yen' },
      { currency_id: 16, currency_code: 'AUD', currency_name: 'Australian Dollar' },
    ]);
    kind('zone-suffixed timestamps (Z, +01:00, -05:00)', 'warehouse; cleaned holds the UTC wall time');
    kind('nested folder under a known table', 'warehouse (read as the table)');
    const stamps = await queryRows(
      db.duck,
      'select currency_id, cast(created_at as varchar) as created_at, cast(last_updated as varchar) as last_updated from cleaned.currency where currency_id in (11, 16) order by currency_id',
    );
    expect(stamps).toEqual([
      { currency_id: 11, created_at: '2026-12-03 10:00:00', last_updated: '2026-12-03 10:30:00.25' },
      { currency_id: 16, created_at: '2026-12-03 15:00:00', last_updated: '2026-12-03 15:00:00' },
    ]);
    expect(await rows(db, 'select location_id, address_line_1, city from dim_location order by location_id')).toEqual([
      { location_id: 1, address_line_1: '1 High Street', city: 'Leeds' },
      { location_id: 2, address_line_1: '2 High Street', city: 'Montréal' },
      { location_id: 5, address_line_1: "1'; delete from dim_location; --", city: 'Bonn' },
    ]);
    kind('CSV header in another order', 'warehouse, by column name');
    kind("SQL-shaped values ('; delete from …; --)", 'warehouse, verbatim');
    kind('valid UTF-8 text (Montréal)', 'warehouse, verbatim');
    expect(await rows(db, 'select design_id, design_name from dim_design order by design_id')).toEqual([
      { design_id: 1, design_name: 'Wooden' },
      { design_id: 2, design_name: 'Steel' },
    ]);
    kind('UTF-8 BOM in a .json array', 'warehouse');
    for (const t of STAR_TABLES.filter((s) => !['dim_currency', 'dim_location', 'dim_design'].includes(s.name))) {
      expect([t.name, afterBad[t.name]]).toEqual([t.name, baseline[t.name]]);
    }
  });

  it('rejects each bad line at ingest with the file, line, reason and original text', () => {
    const currencyRejects = ingestRejects('currency');
    expect(currencyRejects.map((r) => [r.table, r.stage, r.file, r.line, r.reason])).toEqual([
      ['currency', 'ingest', 'landing/currency/mixed.jsonl', 2, expect.stringMatching(/^is not JSON/)],
      ['currency', 'ingest', 'landing/currency/mixed.jsonl', 3, 'is not an object'],
      ['currency', 'ingest', 'landing/currency/mixed.jsonl', 4, 'holds a nested value in column currency_code'],
      ['currency', 'ingest', 'landing/currency/mixed.jsonl', 11, expect.stringMatching(/over the raw row limit of 4194304/)],
      ['currency', 'ingest', 'landing/currency/mixed.jsonl', 13, expect.stringMatching(/not valid UTF-8/)],
    ]);
    expect(currencyRejects.map((r) => r.original)).toEqual([
      '{"currency_id": 12, "currency_code": "broken',
      '[12, "CAD"]',
      JSON.stringify(currency(12, { nested: 'CAD' })),
      LONG_LINE.slice(0, 65536),
      '{"currency_id": 21, "currency_code": "M\uFFFDX"}',
    ]);
    for (const r of currencyRejects) expect(String(r.run_id)).toMatch(/^\d{8}t\d{6}z/);
    kind('malformed JSON line', 'ingest rejects (reason, original)');
    kind('non-object JSON line', 'ingest rejects');
    kind('nested value', 'ingest rejects');
    kind(`line over ${RAW_MAX_ROW_BYTES} bytes (5 MiB)`, 'ingest rejects (original cut to 64 KiB); the rest of the run loaded');
    kind('bytes that are not UTF-8', 'ingest rejects (never loaded as U+FFFD)');
    const addressRejects = ingestRejects('address');
    expect(addressRejects.map((r) => [r.file, r.line, r.reason])).toEqual([
      ['landing/address/reordered.csv', 3, 'has 11 fields, the header has 10'],
      ['landing/address/reordered.csv', 4, 'has 9 fields, the header has 10'],
    ]);
    expect(String(addressRejects[0].original)).toMatch(/"Paris".*,extra$/);
    kind('CSV row with a field too many', 'ingest rejects');
    kind('CSV row with a field too few', 'ingest rejects');
  });

  it('rejects the rows that cannot be typed in the cleaned zone with a reason and the bad value', async () => {
    const rejects = await queryRows(
      rt!.duck,
      `select json_extract_string(original, '$.currency_code') as currency_code, reason as reject_reason
       from cleaned._rejects where table_name = 'currency' and stage = 'cleaned' order by currency_code`,
    );
    expect(rejects).toEqual([
      { currency_code: 'CAD', reject_reason: "currency_id is not an integer: 'twelve'" },
      { currency_code: 'DKK', reject_reason: 'currency_id is missing' },
      { currency_code: 'EURO', reject_reason: 'currency_code is 4 bytes in UTF-8, over varchar(3)' },
      { currency_code: 'EU€', reject_reason: 'currency_code is 5 bytes in UTF-8, over varchar(3)' },
      { currency_code: 'INR', reject_reason: "currency_id is not an integer: '99999999999'" },
      { currency_code: 'NOK', reject_reason: 'currency_id is missing' },
      { currency_code: 'SEK', reject_reason: "last_updated is not a timestamp: '2026-02-30T10:00:00'" },
    ]);
    kind('wrong type (text in an integer column)', 'cleaned rejects');
    kind('null key', 'cleaned rejects');
    kind('missing key', 'cleaned rejects');
    kind('numeric overflow (integer)', 'cleaned rejects');
    kind('impossible date (2026-02-30)', 'cleaned rejects');
    kind('text longer than its warehouse column (currency_code EURO, varchar(3))', 'cleaned rejects (not a failed load)');
    kind('3 characters but 5 UTF-8 bytes for a varchar(3) (EU€)', 'cleaned rejects (Redshift counts bytes)');
    const address = await queryRows(
      rt!.duck,
      `select cast(json_extract_string(original, '$.address_id') as integer) as address_id, reason as reject_reason
       from cleaned._rejects where table_name = 'address' and stage = 'cleaned'`,
    );
    expect(address).toEqual([{ address_id: 6, reject_reason: 'phone is missing' }]);
    kind('CSV missing a required column', 'cleaned rejects');
  });

  it('quarantines each file that cannot be read or is not in a table folder, with its reason, and keeps it whole', () => {
    const found = quarantined();
    expect(found).toEqual({
      'landing/currency/empty.jsonl': expect.stringMatching(/holds no rows/),
      'landing/currency/zero.jsonl.gz': expect.stringMatching(/holds no rows|not valid gzip/),
      'landing/currency/truncated.jsonl.gz': expect.stringMatching(/not valid gzip/),
      'landing/currency/not-gzip.csv.gz': expect.stringMatching(/not valid gzip/),
      'landing/currency/not-parquet.parquet': expect.stringMatching(/not valid Parquet/),
      'landing/currency/sheet.xlsx': expect.stringMatching(/unsupported file type/),
      'landing/currency/object.json': expect.stringMatching(/one JSON array/),
      'landing/currency/all-bad.jsonl': expect.stringMatching(/every line was rejected \(2\)/),
      'landing/no_such_table/x.jsonl': expect.stringMatching(/"no_such_table" is not a source table/),
      'landing/..%2F..%2Fescape/x.jsonl': expect.stringMatching(/"\.\.%2F\.\.%2Fescape" is not a source table/),
      'landing/sales_order;drop table x/x.jsonl': expect.stringMatching(/"sales_order;drop table x" is not a source table/),
      'landing/loose.jsonl': expect.stringMatching(/directly under landing\//),
    });
    expect(readFileSync(join(rawZone, '_quarantine', 'landing', 'no_such_table', 'x.jsonl'), 'utf8')).toBe(
      jsonl(currency(40, 'NZD')),
    );
    // Nothing is left to ingest (empty folders may stay).
    expect(
      readdirSync(landing, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => d.name),
    ).toEqual([]);
    for (const [name] of [
      ['empty file'],
      ['zero-byte gzip'],
      ['truncated gzip'],
      ['text named .gz (not gzip)'],
      ['.parquet that is not Parquet'],
      ['unsupported format (.xlsx)'],
      ['.json holding an object, not an array'],
      ['file whose every line is bad'],
      ['folder that is not a table'],
      ['traversal-shaped folder (..%2F..%2Fescape)'],
      ['SQL-shaped folder (sales_order;drop table x)'],
      ['file directly under landing/'],
    ]) {
      kind(name, 'quarantine (whole file, reason in .error.txt)');
    }
  });

  it('logs each quarantine and each file with rejects once at error level, so one alert names them', () => {
    const log = readFileSync(join(home, 'logs', 'lakehouse.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const quarantines = log.filter((l) => l.message === 'landed file quarantined');
    expect(quarantines).toHaveLength(12);
    expect(quarantines.every((l) => l.level === 'ERROR')).toBe(true);
    expect(log.filter((l) => l.message === 'landed lines rejected').map((l) => l.key)).toEqual(
      expect.arrayContaining(['landing/currency/mixed.jsonl', 'landing/address/reordered.csv']),
    );
  });

  it('a second pass changes nothing and logs no new error', async () => {
    const runs = (await rt!.ledger.listRuns()).length;
    const logBefore = readFileSync(join(home, 'logs', 'lakehouse.log'), 'utf8').length;
    const again = await runOnce(rt!);
    expect(again.text).toMatch(/no changes in the source/);
    expect(again.ok).toBe(true);
    expect(await warehouseSnapshot(rt!)).toEqual(afterBad);
    expect((await rt!.ledger.listRuns()).length).toBe(runs);
    const newLines = readFileSync(join(home, 'logs', 'lakehouse.log'), 'utf8').slice(logBefore);
    expect(newLines).not.toMatch(/"level":"ERROR"/);
  });
});
