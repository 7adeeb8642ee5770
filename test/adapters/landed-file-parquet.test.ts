/**
 * Parquet files dropped in the landing area (jobs/ingest/landed-file.ts and
 * parquet-rows.ts), read from files written by an independent writer: DuckDB's
 * `COPY … TO … (FORMAT PARQUET)`, run here so the files need no checking in.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ingest } from '../../jobs/ingest/ingest';
import { parseLandedFile } from '../../jobs/ingest/landed-file';
import { FileRunLedger } from '../../jobs/lib/adapters/fs/file-run-ledger';
import { FsObjectStore } from '../../jobs/lib/adapters/fs/fs-object-store';
import { fileLogger } from '../../jobs/lib/adapters/powertools/file-logger';
import { TerminalError } from '../../jobs/lib/core/errors';
import { parseManifest } from '../../jobs/lib/core/manifest';

/** One row of every flat type the brief names, a row of nulls, and edge values. */
const TYPED_ROWS = `
  select * from (values
    (1, 1::int, 42::bigint, 123.45::decimal(10,2), 'plain'::varchar, true, date '2024-02-29',
     timestamp '2024-02-29 13:14:15.678'::timestamp_ms, timestamp '2022-11-03 14:20:52.186999'),
    (2, (-2147483648)::int, 9007199254740993::bigint, (-0.05)::decimal(10,2), 'ünïcødé ✓ "quoted"\n2nd line'::varchar, false, date '1969-12-31',
     timestamp '1969-12-31 23:59:59.999'::timestamp_ms, timestamp '1900-01-01 00:00:00.000001'),
    (3, null::int, null::bigint, null::decimal(10,2), null::varchar, null::boolean, null::date, null::timestamp_ms, null::timestamp),
    (4, 2147483647::int, (-9007199254740991)::bigint, 0::decimal(10,2), ''::varchar, true, date '9999-12-31',
     timestamp '2025-01-01 00:00:00'::timestamp_ms, timestamp '2025-06-30 23:59:59.999999')
  ) t(id, i, b, d, v, flag, dt, ts_ms, ts_us)`;

/** What the extract would write for {@link TYPED_ROWS} (docs/architecture.md "Data contracts"). */
const TYPED_RAW = [
  {
    id: 1,
    i: 1,
    b: 42,
    d: '123.45',
    v: 'plain',
    flag: true,
    dt: '2024-02-29',
    ts_ms: '2024-02-29T13:14:15.678',
    ts_us: '2022-11-03T14:20:52.186',
  },
  {
    id: 2,
    i: -2147483648,
    b: '9007199254740993',
    d: '-0.05',
    v: 'ünïcødé ✓ "quoted"\n2nd line',
    flag: false,
    dt: '1969-12-31',
    ts_ms: '1969-12-31T23:59:59.999',
    ts_us: '1900-01-01T00:00:00.000',
  },
  { id: 3, i: null, b: null, d: null, v: null, flag: null, dt: null, ts_ms: null, ts_us: null },
  {
    id: 4,
    i: 2147483647,
    b: -9007199254740991,
    d: '0.00',
    v: '',
    flag: true,
    dt: '9999-12-31',
    ts_ms: '2025-01-01T00:00:00.000',
    ts_us: '2025-06-30T23:59:59.999',
  },
];

describe('Parquet landed files', () => {
  let dir: string;
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;
  let n = 0;

  /** Writes `select` to a Parquet file with DuckDB and returns its bytes. */
  const parquet = async (select: string, options = ''): Promise<Buffer> => {
    const path = join(dir, `f${n++}.parquet`);
    await conn.run(`COPY (${select}) TO '${path}' (FORMAT PARQUET${options ? `, ${options}` : ''})`);
    return readFileSync(path);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'landed-parquet-'));
    instance = await DuckDBInstance.create(':memory:');
    conn = await instance.connect();
  });

  afterAll(() => {
    conn.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  it('maps int, bigint, decimal(10,2), varchar, boolean, date, timestamps and nulls to the raw forms the extract writes', async () => {
    const rows = await parseLandedFile('typed.parquet', await parquet(`${TYPED_ROWS} order by id`));
    expect(rows).toEqual(TYPED_RAW);
    // Exact types, not only equal-looking values: decimals and unsafe bigints stay strings, safe integers are numbers.
    expect(typeof rows[0].d).toBe('string');
    expect(typeof rows[0].b).toBe('number');
    expect(typeof rows[1].b).toBe('string');
    expect(Object.keys(rows[0])).toEqual(['id', 'i', 'b', 'd', 'v', 'flag', 'dt', 'ts_ms', 'ts_us']);
  });

  it('maps the other flat types: wide decimals, floats, small and unsigned integers, timestamptz, time, uuid, enum, json', async () => {
    await conn.run(`create type if not exists mood as enum ('sad', 'happy')`);
    const rows = await parseLandedFile(
      'more.parquet',
      await parquet(`select
        12345678901234567890123456.78::decimal(38,2) as wide, (-1.5)::decimal(4,1) as small_dec, 1234567.891::decimal(18,3) as mid_dec,
        1.1::real as r, 0.1::double as dbl, 'nan'::double as nan, 'infinity'::real as inf,
        (-7)::tinyint as tiny, 300::smallint as sm, 4000000000::uinteger as ui, 18446744073709551615::ubigint as ub,
        timestamptz '2024-01-01 00:00:00.123+00' as tz, time '01:02:03.456789' as tm,
        uuid '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9' as id, 'happy'::mood as m, '{"a": [1, 2]}'::json as j`),
    );
    expect(rows).toEqual([
      {
        wide: '12345678901234567890123456.78',
        small_dec: '-1.5',
        mid_dec: '1234567.891',
        r: 1.1,
        dbl: 0.1,
        nan: null,
        inf: null,
        tiny: -7,
        sm: 300,
        ui: 4000000000,
        ub: '18446744073709551615',
        tz: '2024-01-01T00:00:00.123',
        tm: '01:02:03.456',
        id: '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9',
        m: 'happy',
        j: '{"a": [1, 2]}',
      },
    ]);
  });

  it('reads every compression DuckDB writes that the reader supports, dictionary pages and many row groups alike', async () => {
    const select = `select i as id, 'name ' || (i % 7) as name, (i * 1.25)::decimal(10,2) as amount, i % 3 = 0 as flag
                      from range(5000) r(i) order by i`;
    const expected = Array.from({ length: 5000 }, (_, i) => ({
      id: i,
      name: `name ${i % 7}`,
      amount: (i * 1.25).toFixed(2),
      flag: i % 3 === 0,
    }));
    for (const codec of ['uncompressed', 'snappy', 'gzip', 'zstd', 'brotli']) {
      const rows = await parseLandedFile(`${codec}.parquet`, await parquet(select, `COMPRESSION ${codec}, ROW_GROUP_SIZE 1000`));
      expect({ codec, rows }).toEqual({ codec, rows: expected });
    }
  });

  it('refuses columns with no raw form, naming the column', async () => {
    await expect(parseLandedFile('l.parquet', await parquet('select 1 as id, [1, 2] as tags'))).rejects.toThrow(
      /column tags is nested/,
    );
    await expect(parseLandedFile('s.parquet', await parquet(`select {'a': 1} as address`))).rejects.toThrow(
      /column address is nested/,
    );
    await expect(parseLandedFile('m.parquet', await parquet(`select map {'k': 1} as attrs`))).rejects.toThrow(
      /column attrs is nested/,
    );
    await expect(parseLandedFile('b.parquet', await parquet(`select '\\xff\\x00'::blob as payload`))).rejects.toThrow(
      /column payload holds binary data that is not UTF-8/,
    );
    await expect(parseLandedFile('n.parquet', await parquet('select 1 as "Bad Name"'))).rejects.toThrow(
      /bad column name "Bad Name"/,
    );
  });

  it('refuses a file that is not valid Parquet with a TerminalError saying so', async () => {
    const good = await parquet(`${TYPED_ROWS}`);
    await expect(parseLandedFile('x.parquet', Buffer.from('id,name\n1,x\n'))).rejects.toThrow(/not valid Parquet/);
    await expect(parseLandedFile('x.parquet', good.subarray(0, good.length - 9))).rejects.toThrow(/not valid Parquet/);
    await expect(parseLandedFile('x.parquet', good.subarray(0, good.length >> 1))).rejects.toBeInstanceOf(TerminalError);
    // Footer intact, data pages overwritten.
    const scrambled = Buffer.from(good);
    scrambled.fill(0xab, 4, Math.min(200, good.length - 100));
    await expect(parseLandedFile('x.parquet', scrambled)).rejects.toBeInstanceOf(TerminalError);
    await expect(parseLandedFile('x.parquet', await parquet(`${TYPED_ROWS}`, 'COMPRESSION lz4'))).rejects.toThrow(
      /not valid Parquet: .*LZ4/,
    );
  });

  describe('ingest', () => {
    const clock = { now: () => new Date('2025-03-01T10:00:00Z') };
    let home: string;
    beforeEach(() => {
      home = mkdtempSync(join(tmpdir(), 'ingest-parquet-'));
    });
    afterEach(() => rmSync(home, { recursive: true, force: true }));

    /** Lands `body` as `landing/<table>/<name>` in a fresh store and ingests it. */
    const land = async (store: string, name: string, body: Buffer | string) => {
      const raw = new FsObjectStore('raw', join(home, store, 'raw'));
      const ledger = new FileRunLedger(join(home, store, 'ledger'));
      await raw.put(`landing/department/${name}`, body);
      const logger = fileLogger('test', join(home, store, 'log.jsonl')).logger;
      const result = await ingest({ key: `landing/department/${name}` }, { raw, ledger, clock, logger });
      return { raw, ledger, result };
    };
    const partRows = async (raw: FsObjectStore, runId: string) => {
      const manifest = parseManifest(await raw.get(`_manifests/${runId}.json`));
      const lines = await Promise.all(manifest.tables.department.files.map(async (f) => gunzipSync(await raw.get(f)).toString()));
      return lines
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    };

    it('turns a .parquet file into a run whose raw rows equal those of the same rows landed as JSON Lines', async () => {
      const fromParquet = await land('p', 'typed.parquet', await parquet(`${TYPED_ROWS} order by id`));
      const fromJsonl = await land('j', 'typed.jsonl', TYPED_RAW.map((r) => JSON.stringify(r)).join('\n'));
      expect(fromParquet.result).toMatchObject({ status: 'ingested', table: 'department', rows: 4 });
      expect(fromJsonl.result).toMatchObject({ status: 'ingested', table: 'department', rows: 4 });
      const runP = fromParquet.result.status === 'ingested' ? fromParquet.result.runId : '';
      const runJ = fromJsonl.result.status === 'ingested' ? fromJsonl.result.runId : '';
      expect(await partRows(fromParquet.raw, runP)).toEqual(await partRows(fromJsonl.raw, runJ));
      expect(await partRows(fromParquet.raw, runP)).toEqual(TYPED_RAW);
      expect((await fromParquet.ledger.getRun(runP))?.stage).toBe('extracted');
      expect(await fromParquet.raw.exists('_processed/landing/department/typed.parquet')).toBe(true);
    });

    it('quarantines a corrupt .parquet file with its reason, makes no run and keeps the bytes', async () => {
      const bytes = Buffer.from('PAR1 but not really a parquet file');
      const { raw, ledger, result } = await land('c', 'broken.parquet', bytes);
      expect(result).toMatchObject({ status: 'quarantined', reason: expect.stringMatching(/not valid Parquet/) });
      expect(await raw.get('_quarantine/landing/department/broken.parquet')).toEqual(bytes);
      expect((await raw.get('_quarantine/landing/department/broken.parquet.error.txt')).toString()).toMatch(/not valid Parquet/);
      expect(await ledger.listRuns()).toEqual([]);
      expect(await raw.list('_manifests/')).toEqual([]);
    });
  });
});
