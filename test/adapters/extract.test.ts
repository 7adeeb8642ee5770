import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { extract, type ExtractDeps, type ExtractInput } from '../../jobs/extract/extract';
import { ConflictError } from '../../jobs/lib/core/errors';
import { FileRunLedger } from '../../jobs/lib/adapters/fs/file-run-ledger';
import { FsObjectStore } from '../../jobs/lib/adapters/fs/fs-object-store';
import type { PgClient } from '../../jobs/lib/adapters/postgres/pg-client';
import { openPg } from '../../jobs/lib/runtimes/local/open-database';
import { PgSourceDb } from '../../jobs/lib/adapters/postgres/pg-source-db';
import { fileLogger } from '../../jobs/lib/adapters/powertools/file-logger';
import { parseManifest } from '../../jobs/lib/core/manifest';
import type { Catalog, Watermarks } from '../../jobs/lib/core/ports';
import { RAW_MAX_ROW_BYTES } from '../../jobs/lib/core/raw-part-writer';

const LOOKBACK = 60_000;
const DEFAULTS: ExtractInput = { include: ['*'], exclude: ['_prisma_migrations'], lookbackMs: LOOKBACK };

interface Env {
  db: PgClient;
  dir: string;
  raw: FsObjectStore;
  ledger: FileRunLedger;
  deps: ExtractDeps;
  logFile: string;
  tick: () => void;
  done: () => Promise<void>;
}

/** One in-memory PGlite for the whole file (starting PGlite costs seconds); every test resets its tables. */
let shared: PgClient;
beforeAll(async () => {
  shared = await openPg({ memory: true });
});
afterAll(async () => {
  await shared.close();
});

async function resetSource(db: PgClient): Promise<void> {
  await db.exec(`
    drop table if exists currency, department, _prisma_migrations, settings;
    create table currency (
      currency_id integer primary key,
      currency_code varchar(3) not null,
      created_at timestamp(3) not null,
      last_updated timestamp(3) not null
    );
    create table department (
      department_id integer primary key,
      department_name text not null,
      location text,
      created_at timestamp(3) not null,
      last_updated timestamp(3) not null
    );
    create table _prisma_migrations (id varchar(36) primary key, last_updated timestamp(3) not null);
    create table settings (name text primary key, value text);
    insert into currency values
      (1, 'GBP', '2022-11-03 14:20:49.962', '2022-11-03 14:20:49.962'),
      (2, 'USD', '2022-11-03 14:20:49.962', '2022-11-03 14:20:49.962'),
      (3, 'EUR', '2022-11-03 14:20:49.962', '2022-11-03 14:20:49.962');
    insert into department values
      (1, 'Sales', 'Manchester', '2025-02-25 13:00:00', '2025-02-25 13:00:00'),
      (2, 'Purchasing', null, '2025-02-25 13:26:09.875', '2025-02-25 13:26:09.875'),
      (3, 'Dispatch', 'Leds', '2025-02-25 13:25:30', '2025-02-25 13:25:30');
    insert into _prisma_migrations values ('m1', '2022-11-01 00:00:00');
    insert into settings values ('a', 'b');
  `);
}

/** A fresh lake folder, ledger and clock over the shared source (whose tables are reset unless `keepSource`). */
async function setUp(options: { ledger?: (root: string) => FileRunLedger; keepSource?: boolean } = {}): Promise<Env> {
  const dir = mkdtempSync(join(tmpdir(), 'extract-test-'));
  const db = shared;
  if (!options.keepSource) await resetSource(db);
  const raw = new FsObjectStore('raw', join(dir, 'raw'));
  const ledger = (options.ledger ?? ((root: string) => new FileRunLedger(root)))(join(dir, 'ledger'));
  const logFile = join(dir, 'extract.log');
  const { logger, close } = fileLogger('extract-test', logFile);
  let now = Date.parse('2025-02-25T14:00:00Z');
  const clock = { now: () => new Date(now) };
  return {
    db,
    dir,
    raw,
    ledger,
    logFile,
    deps: { source: new PgSourceDb(db), raw, ledger, clock, logger },
    tick: () => {
      now += 60_000;
    },
    done: async () => {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function readPart(raw: FsObjectStore, key: string): Promise<Record<string, unknown>[]> {
  const text = gunzipSync(await raw.get(key)).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
}

async function allKeys(raw: FsObjectStore): Promise<string[]> {
  return (await raw.list('')).map((o) => o.key);
}

describe('extract', () => {
  let env: Env;
  beforeEach(async () => {
    env = await setUp();
  });
  afterEach(async () => {
    await env.done();
  });

  test('rejects a source row over the raw row limit with a reason, and extracts the rest of the run', async () => {
    await env.db.exec(`update department set location = repeat('x', ${RAW_MAX_ROW_BYTES + 10}) where department_id = 2`);
    const result = await extract(DEFAULTS, env.deps);
    expect(result.tables).toEqual({ currency: 3, department: 2 });
    const departments = await readPart(env.raw, `department/run_id=${result.runId}/part-00000.jsonl.gz`);
    expect(departments.map((d) => d.department_id)).toEqual([1, 3]);
    const rejects = (await env.raw.get(`_rejects/department/run_id=${result.runId}/extract-00000.jsonl`))
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rejects).toEqual([
      {
        run_id: result.runId,
        table: 'department',
        stage: 'extract',
        file: 'source:department',
        line: expect.any(Number),
        reason: expect.stringMatching(
          /^row with key 2 at 2025-02-25T13:26:09\.875 is \d+ bytes, over the raw row limit of 4194304/,
        ),
        original: expect.stringMatching(/^\{"department_id":2,"department_name":"Purchasing","location":"xxx/),
      },
    ]);
    expect(readFileSync(env.logFile, 'utf8')).toMatch(/"level":"ERROR","message":"source rows rejected"/);
  });

  test('first run extracts every row of every included table, then records run, manifest and watermarks', async () => {
    const result = await extract(DEFAULTS, env.deps);
    expect(result.runId).toBe('20250225t140000z');
    expect(result.tables).toEqual({ currency: 3, department: 3 });
    expect(result.manifestKey).toBe('_manifests/20250225t140000z.json');

    expect(await allKeys(env.raw)).toEqual([
      '_manifests/20250225t140000z.json',
      'currency/run_id=20250225t140000z/part-00000.jsonl.gz',
      'department/run_id=20250225t140000z/part-00000.jsonl.gz',
    ]);
    const departments = await readPart(env.raw, 'department/run_id=20250225t140000z/part-00000.jsonl.gz');
    expect(departments).toEqual([
      {
        department_id: 1,
        department_name: 'Sales',
        location: 'Manchester',
        created_at: '2025-02-25T13:00:00.000',
        last_updated: '2025-02-25T13:00:00.000',
      },
      {
        department_id: 3,
        department_name: 'Dispatch',
        location: 'Leds',
        created_at: '2025-02-25T13:25:30.000',
        last_updated: '2025-02-25T13:25:30.000',
      },
      {
        department_id: 2,
        department_name: 'Purchasing',
        location: null,
        created_at: '2025-02-25T13:26:09.875',
        last_updated: '2025-02-25T13:26:09.875',
      },
    ]);
    expect(Object.keys(departments[0])).toEqual(['department_id', 'department_name', 'location', 'created_at', 'last_updated']);

    const manifest = parseManifest(await env.raw.get(result.manifestKey!));
    expect(manifest).toEqual({
      runId: '20250225t140000z',
      origin: 'extract',
      createdAt: '2025-02-25T14:00:00.000Z',
      tables: {
        currency: {
          files: ['currency/run_id=20250225t140000z/part-00000.jsonl.gz'],
          rows: 3,
          watermark: { from: null, to: '2022-11-03T14:20:49.962' },
          schema: [
            { name: 'currency_id', dataType: 'integer', nullable: false },
            { name: 'currency_code', dataType: 'character varying', nullable: false },
            { name: 'created_at', dataType: 'timestamp without time zone', nullable: false },
            { name: 'last_updated', dataType: 'timestamp without time zone', nullable: false },
          ],
        },
        department: {
          files: ['department/run_id=20250225t140000z/part-00000.jsonl.gz'],
          rows: 3,
          watermark: { from: null, to: '2025-02-25T13:26:09.875' },
          schema: expect.arrayContaining([{ name: 'location', dataType: 'text', nullable: true }]),
        },
      },
    });

    const run = await env.ledger.getRun('20250225t140000z');
    expect(run).toMatchObject({
      origin: 'extract',
      stage: 'extracted',
      history: { extracted: '2025-02-25T14:00:00.000Z' },
      counts: { extracted: { currency: 3, department: 3 } },
      watermarks: {
        currency: { from: null, to: '2022-11-03T14:20:49.962' },
        department: { from: null, to: '2025-02-25T13:26:09.875' },
      },
    });
    const { watermarks, version } = await env.ledger.getWatermarks();
    expect(version).not.toBeNull();
    expect(watermarks).toEqual({
      currency: {
        lastUpdated: '2022-11-03T14:20:49.962',
        windowKeys: ['1@2022-11-03T14:20:49.962', '2@2022-11-03T14:20:49.962', '3@2022-11-03T14:20:49.962'],
      },
      // 13:00:00 is more than a minute before the max, so it is outside the window.
      department: {
        lastUpdated: '2025-02-25T13:26:09.875',
        windowKeys: ['2@2025-02-25T13:26:09.875', '3@2025-02-25T13:25:30.000'],
      },
    });
  });

  test('globs that match no table say so (matched: none) and touch nothing, not even a run id', async () => {
    const result = await extract({ ...DEFAULTS, include: ['sales_orders'] }, env.deps);
    expect(result).toEqual({ runId: null, matched: [], available: 3, tables: {} });
    expect(await allKeys(env.raw)).toEqual([]);
    expect(await env.ledger.listRuns()).toEqual([]);
  });

  test('registers the run’s raw partitions after the manifest, and a catalog failure only leaves them to the crawl', async () => {
    const asked: string[] = [];
    const catalog = {
      registerPartitions: async (zone: string, table: string, runIds: readonly string[]) => {
        asked.push(`${zone}.${table}=${runIds.join(',')}@${(await allKeys(env.raw)).some((k) => k.startsWith('_manifests/'))}`);
        if (table === 'department') throw new Error('glue unavailable');
        return true;
      },
    } as unknown as Catalog;
    const result = await extract(DEFAULTS, { ...env.deps, catalog });
    expect(result.runId).not.toBeNull();
    // Every table with rows, each only once its manifest exists; the failure did not fail the extract.
    expect(asked.sort()).toEqual(
      Object.keys(result.tables)
        .sort()
        .map((t) => `raw.${t}=${result.runId}@true`),
    );
    expect((await env.ledger.getRun(result.runId!))?.failed).toBeUndefined();
  });

  test('a second run with no change makes no run and writes nothing', async () => {
    await extract(DEFAULTS, env.deps);
    const before = await allKeys(env.raw);
    const marks = await env.ledger.getWatermarks();
    env.tick();
    const again = await extract(DEFAULTS, env.deps);
    expect(again).toEqual({ runId: null, matched: ['currency', 'department'], available: 3, tables: {} });
    expect(await allKeys(env.raw)).toEqual(before);
    expect(await env.ledger.getWatermarks()).toEqual(marks);
    expect((await env.ledger.listRuns()).map((r) => r.runId)).toEqual(['20250225t140000z']);
    // The id claimed for the empty run was released.
    await expect(env.ledger.reserveRun('20250225t140100z')).resolves.toBeUndefined();
  });

  test('the lookback re-read skips versions already extracted but picks up a late row inside the window', async () => {
    await extract(DEFAULTS, env.deps);
    // Committed late: last_updated before the watermark but inside the one-minute lookback.
    await env.db.exec(`insert into department values (4, 'Finance', 'Leeds', '2025-02-25 13:26:00', '2025-02-25 13:26:00')`);
    // Too late: older than the lookback window, so it is (by design) out of reach.
    await env.db.exec(`insert into department values (5, 'Facilities', 'Leeds', '2025-02-25 13:20:00', '2025-02-25 13:20:00')`);
    env.tick();
    const result = await extract(DEFAULTS, env.deps);
    expect(result.runId).toBe('20250225t140100z');
    expect(result.tables).toEqual({ department: 1 });
    const part = await readPart(env.raw, 'department/run_id=20250225t140100z/part-00000.jsonl.gz');
    expect(part.map((r) => r.department_id)).toEqual([4]);

    const manifest = parseManifest(await env.raw.get(result.manifestKey!));
    expect(Object.keys(manifest.tables)).toEqual(['department']);
    expect(manifest.tables.department.watermark).toEqual({ from: '2025-02-25T13:25:09.875', to: '2025-02-25T13:26:09.875' });
    const { watermarks } = await env.ledger.getWatermarks();
    expect(watermarks.department).toEqual({
      lastUpdated: '2025-02-25T13:26:09.875',
      windowKeys: ['2@2025-02-25T13:26:09.875', '3@2025-02-25T13:25:30.000', '4@2025-02-25T13:26:00.000'],
    });
    expect(watermarks.currency.lastUpdated).toBe('2022-11-03T14:20:49.962');

    env.tick();
    expect((await extract(DEFAULTS, env.deps)).runId).toBeNull();
  });

  test('an update produces exactly the updated row and moves the window on', async () => {
    await extract(DEFAULTS, env.deps);
    await env.db.exec(
      `update department set location = 'Leeds', last_updated = '2025-02-25 14:00:00.123' where department_id = 3`,
    );
    env.tick();
    const result = await extract(DEFAULTS, env.deps);
    expect(result.tables).toEqual({ department: 1 });
    expect(await readPart(env.raw, `department/run_id=${result.runId}/part-00000.jsonl.gz`)).toEqual([
      {
        department_id: 3,
        department_name: 'Dispatch',
        location: 'Leeds',
        created_at: '2025-02-25T13:25:30.000',
        last_updated: '2025-02-25T14:00:00.123',
      },
    ]);
    const { watermarks } = await env.ledger.getWatermarks();
    expect(watermarks.department).toEqual({ lastUpdated: '2025-02-25T14:00:00.123', windowKeys: ['3@2025-02-25T14:00:00.123'] });
    const run = await env.ledger.getRun(result.runId!);
    expect(run!.watermarks).toEqual({ department: { from: '2025-02-25T13:25:09.875', to: '2025-02-25T14:00:00.123' } });
  });

  test('parts rotate every partRows rows, paging does not change the result', async () => {
    const values = Array.from(
      { length: 5 },
      (_, i) => `(${10 + i}, 'D${i}', null, '2025-02-25 13:26:09.875', '2025-02-25 13:26:09.875')`,
    );
    await env.db.exec(`insert into department values ${values.join(', ')}`);
    const result = await extract({ ...DEFAULTS, include: ['department'], partRows: 3, pageSize: 2 }, env.deps);
    expect(result.tables).toEqual({ department: 8 });
    const manifest = parseManifest(await env.raw.get(result.manifestKey!));
    const files = manifest.tables.department.files;
    expect(files).toEqual([0, 1, 2].map((n) => `department/run_id=${result.runId}/part-0000${n}.jsonl.gz`));
    const parts = await Promise.all(files.map((f) => readPart(env.raw, f)));
    expect(parts.map((p) => p.length)).toEqual([3, 3, 2]);
    expect(parts.flat().map((r) => r.department_id)).toEqual([1, 3, 2, 10, 11, 12, 13, 14]);
    expect((await env.raw.list('department/')).length).toBe(3);
  });

  test('how many tables run at once changes nothing in the run; a bad concurrency is refused', async () => {
    const runs = [];
    for (const concurrency of [1, 3]) {
      const own = await setUp();
      try {
        const result = await extract({ ...DEFAULTS, concurrency }, own.deps);
        const manifest = parseManifest(await own.raw.get(result.manifestKey!));
        const parts = await Promise.all(Object.values(manifest.tables).flatMap((t) => t.files.map((f) => readPart(own.raw, f))));
        runs.push({ tables: Object.keys(manifest.tables), result, parts, watermarks: await own.ledger.getWatermarks() });
      } finally {
        await own.done();
      }
    }
    expect(runs[0].tables).toEqual(['currency', 'department']);
    expect(runs[1]).toEqual(runs[0]);
    await expect(extract({ ...DEFAULTS, concurrency: 0 }, env.deps)).rejects.toThrow(/concurrency must be a positive integer/);
  });

  test('include/exclude globs choose the tables; _prisma_migrations is skipped by the default exclude', async () => {
    const defaults = await extract(DEFAULTS, env.deps);
    expect(Object.keys(defaults.tables)).toEqual(['currency', 'department']);

    const other = await setUp({ keepSource: true });
    try {
      const everything = await extract({ ...DEFAULTS, exclude: [] }, other.deps);
      expect(Object.keys(everything.tables)).toEqual(['_prisma_migrations', 'currency', 'department']);
      other.tick();
      await other.db.exec(`update currency set last_updated = '2025-03-01 00:00:00' where currency_id = 1`);
      await other.db.exec(`update department set last_updated = '2025-03-01 00:00:00' where department_id = 1`);
      const onlyDep = await extract({ ...DEFAULTS, include: ['dep*'] }, other.deps);
      expect(onlyDep.tables).toEqual({ department: 1 });
      // currency's change is still pending: its watermark did not move.
      const { watermarks } = await other.ledger.getWatermarks();
      expect(watermarks.currency.lastUpdated).toBe('2022-11-03T14:20:49.962');
    } finally {
      await other.done();
    }
  });

  test('logs decisions and counts with run id and step, never row values', async () => {
    const result = await extract(DEFAULTS, env.deps);
    env.tick();
    await extract(DEFAULTS, env.deps);
    await new Promise((r) => setTimeout(r, 50));
    const lines = readFileSync(env.logFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const tableLines = lines.filter((l) => l.message === 'table extracted');
    expect(tableLines.length).toBe(4);
    // Tables are extracted two at a time, so their lines come in either order.
    expect(tableLines.find((l) => l.table === 'currency')).toMatchObject({
      step: 'extract',
      runId: result.runId,
      rows: 3,
      parts: 1,
    });
    expect(lines.some((l) => l.message === 'no new rows: no run')).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('Manchester');
  });
});

describe('extract with a concurrent writer', () => {
  test('a watermark conflict is rethrown after the manifest is written', async () => {
    class RacingLedger extends FileRunLedger {
      override async putWatermarks(next: Watermarks, expectedVersion: string | null): Promise<void> {
        await super.putWatermarks({}, expectedVersion); // another extract got there first
        await super.putWatermarks(next, expectedVersion);
      }
    }
    const env = await setUp({ ledger: (root) => new RacingLedger(root) });
    try {
      await expect(extract(DEFAULTS, env.deps)).rejects.toBeInstanceOf(ConflictError);
      expect(await env.raw.exists('_manifests/20250225t140000z.json')).toBe(true);
      expect((await env.ledger.getRun('20250225t140000z'))!.stage).toBe('extracted');
      expect((await env.ledger.getWatermarks()).watermarks).toEqual({});
    } finally {
      await env.done();
    }
  });

  test('a failure before the run is recorded removes its part files and records nothing', async () => {
    const env = await setUp();
    try {
      // A watermark that is not an ISO timestamp makes the second table fail after the first wrote its part.
      await env.ledger.putWatermarks({ department: { lastUpdated: 'yesterday', windowKeys: [] } }, null);
      await expect(extract(DEFAULTS, env.deps)).rejects.toThrow(/not an ISO timestamp/);
      expect(await allKeys(env.raw)).toEqual([]);
      expect(await env.ledger.listRuns()).toEqual([]);
      await expect(env.ledger.reserveRun('20250225t140000z')).resolves.toBeUndefined(); // the id was released
    } finally {
      await env.done();
    }
  });
});
