/**
 * The CLI and the warehouse, through the package bin in text mode: a new,
 * empty warehouse is detected and rebuilt (`reload`, `run --full-refresh`,
 * both with `--dry-run`); `query` cannot change the catalog or the warehouse
 * and `crawl` restores a lost view; open errors name the setting and the
 * component; read-only commands find the home as git does and create nothing.
 */
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { openDuckDb } from '../../jobs/lib/adapters/duckdb/duckdb';
import { STAR_TABLES } from '../../jobs/lib/definition/tables';
import { openPg } from '../../jobs/lib/runtimes/local/open-database';

jest.setTimeout(600_000); // each `run` spawns the whole chain: up to a minute on a busy two-core machine

const exec = promisify(execFile);
const BIN = resolve(__dirname, '../../scripts/bin/lakehouse.js');
const temps: string[] = [];

/** A fresh temporary folder, deleted after the suite. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-cliwh-'));
  temps.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the bin with `args`; `env` is added to a clean lakehouse environment (no home, source or warehouse set). */
async function lakehouse(
  args: string[],
  env: Record<string, string | undefined>,
  options: { cwd?: string; uid?: number; gid?: number } = {},
): Promise<Outcome> {
  const base = { ...process.env, LAKEHOUSE_HOME: '', LAKEHOUSE_SOURCE_URL: '', LAKEHOUSE_WAREHOUSE_URL: '' };
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
      env: { ...base, ...env },
      timeout: 240_000,
      ...options,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Every star table of the embedded warehouse in `home`, rows in a stable order (opened in this process; no CLI may run meanwhile). */
async function warehouseTables(home: string): Promise<Record<string, unknown[]>> {
  const db = await openPg({ dataDir: join(home, 'warehouse-db') });
  try {
    const out: Record<string, unknown[]> = {};
    for (const t of STAR_TABLES) out[t.name] = await db.query(`select * from ${t.name} order by 1`);
    return out;
  } finally {
    await db.close();
  }
}

const TS = (s: string) => `'${s}'`;

describe('a new, empty warehouse: detected, reloaded, fully refreshed; query read-only; crawl', () => {
  const home = join(tempDir(), '.lakehouse');
  const env = { LAKEHOUSE_HOME: home };
  const warehouseDb = join(home, 'warehouse-db');
  let original: Record<string, unknown[]>;

  beforeAll(async () => {
    // A tiny embedded source: two dimension tables, so each run takes seconds, not minutes.
    const source = await openPg({ dataDir: join(home, 'source-db') });
    await source.exec(
      'create table currency (currency_id int primary key, currency_code text not null, created_at timestamp not null, last_updated timestamp not null);' +
        'create table design (design_id int primary key, design_name text not null, file_location text not null, file_name text not null, created_at timestamp not null, last_updated timestamp not null);' +
        `insert into currency values (1, 'GBP', ${TS('2022-11-03 14:20:49.962')}, ${TS('2022-11-03 14:20:49.962')}), (2, 'USD', ${TS('2022-11-03 14:20:49.962')}, ${TS('2022-11-03 14:20:49.962')});` +
        `insert into design values (8, 'Wooden', '/usr', 'wooden.json', ${TS('2022-11-03 14:20:49.962')}, ${TS('2022-11-03 14:20:49.962')})`,
    );
    await source.close();
  });

  it('two runs load the warehouse', async () => {
    const first = await lakehouse(['run'], env);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    const source = await openPg({ dataDir: join(home, 'source-db') });
    await source.exec(
      `update currency set currency_code = 'EUR', last_updated = ${TS('2023-01-01 10:00:00.000')} where currency_id = 2;` +
        `insert into currency values (3, 'USD', ${TS('2023-01-01 10:00:00.000')}, ${TS('2023-01-01 10:00:00.000')})`,
    );
    await source.close();
    const second = await lakehouse(['run'], env);
    expect(second).toMatchObject({ code: 0, stderr: '' });
    original = await warehouseTables(home);
    expect(original.dim_currency).toHaveLength(3);
    expect(original.dim_design).toHaveLength(1);
  });

  it('query cannot drop a catalog view or delete warehouse rows, and says so', async () => {
    const drop = await lakehouse(['query', 'drop view cleaned.currency'], env);
    expect(drop.code).toBe(1);
    expect(drop.stderr).toMatch(/query only reads: DROP statements are refused and nothing was changed/);
    const copy = await lakehouse(['query', `copy (select 1) to '${join(home, '..', 'out.csv')}'`], env);
    expect(copy.code).toBe(1);
    expect(existsSync(join(home, '..', 'out.csv'))).toBe(false);
    const del = await lakehouse(['query', '--warehouse', 'delete from dim_currency'], env);
    expect(del.code).toBe(1);
    expect(del.stderr).toMatch(/query --warehouse only reads \(a read-only transaction\): cannot execute DELETE/);
    const sneak = await lakehouse(['query', '--warehouse', 'commit; delete from dim_currency'], env);
    expect(sneak.code).toBe(1);
    expect(sneak.stderr).toMatch(/runs one statement at a time/);
    const view = await lakehouse(['query', 'select count(*) as n from cleaned.currency'], env);
    expect(view).toMatchObject({ code: 0, stderr: '' });
    expect(view.stdout).toMatch(/│ 4 │/); // 2 rows in run 1, 2 versions in run 2
    const read = await lakehouse(['query', '--warehouse', 'select count(*) as n from dim_currency'], env);
    expect(read).toMatchObject({ code: 0, stderr: '' });
    expect(read.stdout).toMatch(/│ 3 │/);
    expect(await warehouseTables(home)).toEqual(original);
  });

  it('crawl restores a dropped catalog view; an unknown zone is refused', async () => {
    const { conn, close } = await openDuckDb(join(home, 'catalog.duckdb'));
    await conn.run('drop view cleaned.currency');
    close();
    const lost = await lakehouse(['query', 'select count(*) as n from cleaned.currency'], env);
    expect(lost.code).toBe(1);
    const crawled = await lakehouse(['crawl', 'cleaned'], env);
    expect(crawled).toMatchObject({ code: 0, stderr: '' });
    expect(crawled.stdout).toMatch(/cleaned .*currency/);
    const back = await lakehouse(['query', 'select count(*) as n from cleaned.currency'], env);
    expect(back).toMatchObject({ code: 0, stderr: '' });
    expect(back.stdout).toMatch(/│ 4 │/);
    const bad = await lakehouse(['crawl', 'gold'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/not a zone: "gold" \(one of raw, cleaned, transformed\)/);
  });

  it('a copied or moved home reads its own files: read-only commands say to crawl, any writing command re-registers', async () => {
    const copy = join(tempDir(), '.lakehouse');
    cpSync(home, copy, { recursive: true });
    const copyEnv = { LAKEHOUSE_HOME: copy };
    // The copy's catalog still reads the original's folders: query and status refuse, naming the fix.
    const query = await lakehouse(['query', 'select count(*) as n from cleaned.currency'], copyEnv);
    expect(query.code).toBe(1);
    expect(query.stderr).toMatch(
      /reads another folder \(the home was moved or copied; zones raw, cleaned, transformed\): run `lakehouse crawl`/,
    );
    expect((await lakehouse(['status'], copyEnv)).code).toBe(1);
    // Crawling only raw: opening the home for writing re-registers every zone.
    const crawled = await lakehouse(['crawl', 'raw'], copyEnv);
    expect(crawled).toMatchObject({ code: 0, stderr: '' });
    const back = await lakehouse(['query', 'select count(*) as n from cleaned.currency'], copyEnv);
    expect(back).toMatchObject({ code: 0, stderr: '' });
    expect(back.stdout).toMatch(/│ 4 │/);
    const { conn, close } = await openDuckDb(join(copy, 'catalog.duckdb'));
    try {
      const views = await conn.runAndReadAll(
        "select sql from duckdb_views() where schema_name in ('raw', 'cleaned', 'transformed') and not internal",
      );
      const sqls = views.getRowObjectsJson().map((r) => String(r.sql));
      expect(sqls.length).toBeGreaterThan(3);
      expect(sqls.filter((sql) => sql.includes(`${home}/`))).toEqual([]);
    } finally {
      close();
    }
  });

  it('a new, empty warehouse is detected: status warns, run refuses the delta and names both remedies', async () => {
    renameSync(warehouseDb, join(home, '..', 'warehouse-original'));
    const status = await lakehouse(['status'], env);
    expect(status.code).toBe(0);
    expect(status.stderr).toMatch(/warning: the warehouse .* holds none of the 2 run\(s\) the ledger records as loaded/);
    const run = await lakehouse(['run'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/holds none of the 2 run\(s\)/);
    expect(run.stdout).toMatch(/lakehouse reload/);
    expect(run.stdout).toMatch(/lakehouse run --full-refresh/);
    expect(existsSync(warehouseDb)).toBe(false); // neither status nor the refused run created it
  });

  it('reload --dry-run prints the runs, tables and rows and changes nothing', async () => {
    const dry = await lakehouse(['reload', '--dry-run'], env);
    expect(dry).toMatchObject({ code: 0, stderr: '' });
    expect(dry.stdout).toMatch(/dry run: would load/);
    expect(dry.stdout).toMatch(/\d{8}t\d{6}z.* dim_currency .* 2 /);
    expect(dry.stdout).toMatch(/2 run\(s\)/);
    expect(dry.stdout).toMatch(/nothing was changed/);
    expect(existsSync(warehouseDb)).toBe(false);
  });

  it('reload makes the warehouse equal to the original, table by table; a second reload loads nothing', async () => {
    const reload = await lakehouse(['reload'], env);
    expect(reload).toMatchObject({ code: 0, stderr: '' });
    expect(reload.stdout).toMatch(/reloaded 2 run\(s\)/);
    expect(await warehouseTables(home)).toEqual(original);
    const again = await lakehouse(['reload'], env);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toMatch(/nothing to reload/);
    const status = await lakehouse(['status'], env);
    expect(status).toMatchObject({ code: 0, stderr: '' });
  });

  it('run --full-refresh --dry-run lists what it would extract and changes nothing', async () => {
    rmSync(warehouseDb, { recursive: true });
    const before = JSON.parse((await lakehouse(['status', '--json'], env)).stdout);
    const dry = await lakehouse(['run', '--full-refresh', '--dry-run'], env);
    expect(dry).toMatchObject({ code: 0, stderr: '' });
    expect(dry.stdout).toMatch(/would clear the watermarks and re-extract 2 table\(s\), 4 rows/);
    expect(dry.stdout).toMatch(/currency .* 3 /);
    expect(dry.stdout).toMatch(/nothing was changed/);
    const after = JSON.parse((await lakehouse(['status', '--json'], env)).stdout);
    expect(after.watermarks).toEqual(before.watermarks);
    expect(after.runs).toEqual(before.runs);
    expect(existsSync(warehouseDb)).toBe(false);
    const lone = await lakehouse(['run', '--dry-run'], env);
    expect(lone.code).toBe(2); // a usage error (README "Exit codes")
    expect(lone.stderr).toMatch(/--dry-run goes with --full-refresh/);
  });

  it('run --full-refresh re-extracts everything into the new warehouse; later runs are no longer refused', async () => {
    const full = await lakehouse(['run', '--full-refresh'], env);
    expect(full).toMatchObject({ code: 0, stderr: '' });
    expect(full.stdout).toMatch(/full refresh: run \d{8}t\d{6}z\w* re-extracted every matched table/);
    const rebuilt = await warehouseTables(home);
    expect(rebuilt.dim_currency).toEqual(original.dim_currency);
    expect(rebuilt.dim_design).toEqual(original.dim_design);
    const next = await lakehouse(['run'], env);
    expect(next.code).toBe(0);
    expect(next.stdout).toMatch(/no changes in the source/);
  });
});

describe('errors name the setting and the component; read-only commands create nothing', () => {
  it('a non-PostgreSQL warehouse URL gets a plain message naming the variable (and no password)', async () => {
    const home = join(tempDir(), '.lakehouse');
    mkdirSync(home);
    for (const url of ['mysql://root:secret@db.example/shop', 'not a url']) {
      const out = await lakehouse(['query', '--warehouse', 'select 1'], { LAKEHOUSE_HOME: home, LAKEHOUSE_WAREHOUSE_URL: url });
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(
        /LAKEHOUSE_WAREHOUSE_URL must be a PostgreSQL URL such as postgres:\/\/.* \(the warehouse\), got/,
      );
      expect(out.stderr).not.toMatch(/secret/);
    }
  });

  const withServer = process.env.TEST_DATABASE_URL ? it : it.skip;
  withServer('a missing warehouse database is named with LAKEHOUSE_WAREHOUSE_URL, not the driver text', async () => {
    const home = join(tempDir(), '.lakehouse');
    mkdirSync(home);
    const missing = new URL(process.env.TEST_DATABASE_URL!);
    missing.pathname = `/lakehouse_test_missing_${process.pid}`;
    const out = await lakehouse(['status'], { LAKEHOUSE_HOME: home, LAKEHOUSE_WAREHOUSE_URL: missing.toString() });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      new RegExp(
        `^lakehouse: warehouse database "lakehouse_test_missing_${process.pid}" does not exist on .* \\(LAKEHOUSE_WAREHOUSE_URL\\)$`,
        'm',
      ),
    );
  });

  it("DuckDB's lock error becomes: another lakehouse command is using this home (pid …)", async () => {
    const home = join(tempDir(), '.lakehouse');
    const { close } = await openDuckDb(join(home, 'catalog.duckdb')); // this process holds the home's catalog
    try {
      for (const args of [['status'], ['crawl']]) {
        const out = await lakehouse(args, { LAKEHOUSE_HOME: home });
        expect(out.code).toBe(1);
        expect(out.stderr).toMatch(new RegExp(`another lakehouse command is using this home \\(pid ${process.pid}\\)`));
      }
    } finally {
      close();
    }
  });

  it('a read-only home says so, to a command that writes and to status (whose run ledger writes its index)', async () => {
    const parent = tempDir();
    const home = join(parent, '.lakehouse');
    const made = await lakehouse(['crawl'], { LAKEHOUSE_HOME: home });
    expect(made.code).toBe(0);
    // As a home that has had runs: the file ledger creates its folders on first use.
    for (const folder of ['runs', 'open']) mkdirSync(join(home, 'ledger', folder), { recursive: true });
    // Read-only for the command: as root, run it as nobody (root writes anywhere); otherwise take the write bits away.
    const asRoot = process.getuid?.() === 0;
    const user = asRoot ? { uid: 65534, gid: 65534 } : {};
    const mode = (path: string, files: number, dirs: number) => {
      for (const name of readdirSync(path, { withFileTypes: true })) {
        const full = join(path, name.name);
        if (name.isDirectory()) mode(full, files, dirs);
        chmodSync(full, name.isDirectory() ? dirs : files);
      }
      chmodSync(path, dirs);
    };
    chmodSync(parent, 0o755);
    mode(home, 0o444, 0o555);
    try {
      const envRo = { LAKEHOUSE_HOME: home, HOME: parent };
      const crawl = await lakehouse(['crawl'], envRo, user);
      expect(crawl.code).toBe(1);
      expect(crawl.stderr).toMatch(new RegExp(`the lakehouse home ${home} \\(LAKEHOUSE_HOME\\) is read-only`));
      const status = await lakehouse(['status'], envRo, user);
      expect(status.code).toBe(1);
      expect(status.stderr).toMatch(new RegExp(`the lakehouse home ${home} \\(LAKEHOUSE_HOME\\) is read-only: EACCES`));
    } finally {
      mode(home, 0o644, 0o755);
    }
  });

  it('status and query in a folder with no home say so, exit 1 and create nothing', async () => {
    const folder = tempDir();
    for (const args of [['status'], ['query', 'select 1'], ['query', '--warehouse', 'select 1']]) {
      const out = await lakehouse(args, {}, { cwd: folder });
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(
        new RegExp(
          `no lakehouse home at ${join(folder, '.lakehouse')} \\(the working directory \\(no home or project root found above it\\)\\)`,
        ),
      );
    }
    expect(readdirSync(folder)).toEqual([]);
  });

  it('the home is found by walking up from the working directory: an existing .lakehouse, or the project root', async () => {
    const top = tempDir();
    mkdirSync(join(top, 'a', '.lakehouse'), { recursive: true });
    mkdirSync(join(top, 'a', 'b', 'c'), { recursive: true });
    const found = await lakehouse(['crawl', 'raw'], {}, { cwd: join(top, 'a', 'b', 'c') });
    expect(found).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(join(top, 'a', '.lakehouse', 'catalog.duckdb'))).toBe(true);
    expect(existsSync(join(top, 'a', 'b', 'c', '.lakehouse'))).toBe(false);

    mkdirSync(join(top, 'p', 'sub'), { recursive: true });
    writeFileSync(join(top, 'p', 'package.json'), JSON.stringify({ name: 'lakehouse' }));
    const status = await lakehouse(['status'], {}, { cwd: join(top, 'p', 'sub') });
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(new RegExp(`no lakehouse home at ${join(top, 'p', '.lakehouse')} \\(the project root`));
    const crawl = await lakehouse(['crawl', 'raw'], {}, { cwd: join(top, 'p', 'sub') });
    expect(crawl).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(join(top, 'p', '.lakehouse', 'catalog.duckdb'))).toBe(true);
  });
});
