/**
 * The Lambda build (scripts/build.ts), the artefacts the pipeline stack
 * deploys: one bundle per handler that loads in a fresh Node process and
 * exports `handler`, the pinned AWS SDK bundled and the embedded PGlite left
 * out, SQL shipped where it is read, and reproducible zip files,
 * read back here with a reader independent of the writer (yauzl, each entry's
 * CRC checked).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { crc32 } from 'node:zlib';
import * as yauzl from 'yauzl';
import { buildLambdas, handlerSteps, LAMBDA_NODE_TARGET, type BuiltLambda } from '../../scripts/build';
import { JOB_RUNTIME } from '../../stacks/constructs/lambda-runtime';

const ROOT = resolve(__dirname, '../..');
// Inside the repo (dist/ is git-ignored) so the bundles resolve the external @aws-sdk packages from node_modules.
const OUT = join(ROOT, 'dist', `test-build-${process.pid}`);
const OUT_AGAIN = join(ROOT, 'dist', `test-build-${process.pid}-again`);

/** One zip entry as an unzip tool sees it. */
interface ZipEntry {
  data: Buffer;
  /** Unix mode (file type and permissions). */
  mode: number;
  /** 0 stored, 8 deflated. */
  method: number;
  /** Last-modified time as the DOS fields read in local time. */
  modified: Date;
}

/** Reads a zip with yauzl: name → entry, checking each entry's size and CRC-32. */
async function readZip(file: string): Promise<Map<string, ZipEntry>> {
  const zip = await new Promise<yauzl.ZipFile>((ok, fail) =>
    yauzl.open(file, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true }, (error, z) =>
      error ? fail(error) : ok(z),
    ),
  );
  const entries = new Map<string, ZipEntry>();
  try {
    for (;;) {
      const entry = await new Promise<yauzl.Entry | undefined>((ok, fail) => {
        zip
          .once('entry', ok)
          .once('end', () => ok(undefined))
          .once('error', fail);
        zip.readEntry();
      });
      zip.removeAllListeners();
      if (!entry) break;
      const stream = await new Promise<NodeJS.ReadableStream>((ok, fail) =>
        zip.openReadStream(entry, (error, s) => (error ? fail(error) : ok(s))),
      );
      const data = await buffer(stream);
      expect([entry.fileName, crc32(data)]).toEqual([entry.fileName, entry.crc32]);
      entries.set(entry.fileName, {
        data,
        mode: entry.externalFileAttributes >>> 16,
        method: entry.compressionMethod,
        modified: entry.getLastModDate(),
      });
    }
  } finally {
    zip.close();
  }
  return entries;
}

let built: BuiltLambda[];
beforeAll(async () => {
  built = await buildLambdas(OUT);
}, 60_000);
afterAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  rmSync(OUT_AGAIN, { recursive: true, force: true });
});

describe('npm run build', () => {
  it('builds one artefact per handler', () => {
    expect(handlerSteps()).toEqual(['extract', 'ingest', 'crawl', 'transform', 'load', 'scan-logs', 'sweep', 'reconcile']);
    expect(built.map((b) => b.step)).toEqual(handlerSteps());
    for (const b of built) {
      expect(existsSync(join(b.dir, 'index.js'))).toBe(true);
      expect(b.bundleBytes).toBeGreaterThan(10_000);
      expect(b.zipBytes).toBeLessThan(b.bundleBytes);
    }
  });

  it('bundles the pinned AWS SDK (nothing left for the runtime to supply) and leaves the embedded PGlite out (not even in extract, which opens a PostgreSQL server)', () => {
    expect(LAMBDA_NODE_TARGET).toBe(JOB_RUNTIME.replace('nodejs', 'node').replace('.x', ''));
    for (const b of built) {
      const code = readFileSync(join(b.dir, 'index.js'), 'utf8');
      // The one require left is the SDK's optional CRT signer (SigV4a, multi-region access points), which it loads in a try/catch.
      const required = [...code.matchAll(/require\("(@(?:aws-sdk|smithy)\/[^"]+)"\)/g)].map((m) => m[1]);
      expect([b.step, required.filter((name) => name !== '@aws-sdk/signature-v4-crt')]).toEqual([b.step, []]);
      expect([b.step, code.match(/@electric-sql|PGlite\.create|PgliteClient|pglite\.wasm/)?.[0]]).toEqual([b.step, undefined]);
    }
    const extract = readFileSync(join(built.find((b) => b.step === 'extract')!.dir, 'index.js'), 'utf8');
    // The conditional-write member the ledger relies on is in the bundled S3 client's serializer.
    expect(extract.includes('If-Match')).toBe(true);
    expect(extract.includes('NodePgClient')).toBe(true);
  });

  it('ships the SQL a bundle reads, and only there', () => {
    const byStep = Object.fromEntries(built.map((b) => [b.step, b]));
    expect(readdirSync(join(byStep.transform.dir, 'sql')).sort()).toEqual(['cleaned', 'transformed']);
    expect(readdirSync(join(byStep.transform.dir, 'sql', 'cleaned'))).toContain('sales_order.sql');
    expect(readdirSync(join(byStep.load.dir, 'sql'))).toEqual(['warehouse']);
    // The sweep checks source freshness: the cleaned declarations (`freshness:` in <table>.tests.yaml).
    expect(readdirSync(join(byStep.sweep.dir, 'sql'))).toEqual(['cleaned']);
    expect(readdirSync(join(byStep.sweep.dir, 'sql', 'cleaned'))).toContain('sales_order.tests.yaml');
    expect(existsSync(join(byStep.crawl.dir, 'sql'))).toBe(false);
    // Reconcile renders its comparison from the table contracts alone.
    expect(existsSync(join(byStep.reconcile.dir, 'sql'))).toBe(false);
  });

  it('writes zips holding exactly the bundle folder, deflated, mode 0644, at one fixed time', async () => {
    for (const b of built) {
      const entries = await readZip(b.zip);
      expect(entries.get('index.js')?.data.equals(readFileSync(join(b.dir, 'index.js')))).toBe(true);
      if (b.step === 'load')
        expect([...entries.keys()]).toEqual(
          ['index.js', ...readdirSync(join(b.dir, 'sql', 'warehouse')).map((f) => `sql/warehouse/${f}`)].sort(),
        );
      for (const [name, entry] of entries) {
        expect([name, entry.method, entry.mode.toString(8), entry.modified.getTime()]).toEqual([
          name,
          8,
          '100644',
          new Date(1980, 0, 1).getTime(),
        ]);
      }
    }
  });

  it('builds byte-identical zips twice in a row', async () => {
    // Two of them, to keep the suite fast: the largest bundle, and one with SQL files (several entries).
    const again = await buildLambdas(OUT_AGAIN, ['extract', 'load']);
    for (const b of again) {
      const first = built.find((x) => x.step === b.step)!;
      expect([b.step, readFileSync(b.zip).equals(readFileSync(first.zip))]).toEqual([b.step, true]);
    }
  }, 60_000);

  it('each bundle loads in a fresh Node process and exports handler; SQL bundles find their models', () => {
    for (const b of built) {
      const script = [
        `const m = require(${JSON.stringify(join(b.dir, 'index.js'))});`,
        'const out = { handler: typeof m.handler, sqlDir: process.env.LAKEHOUSE_SQL_DIR || null };',
        "if (out.sqlDir) out.models = require('fs').readdirSync(require('path').join(out.sqlDir, require('fs').readdirSync(out.sqlDir)[0])).length;",
        'process.stdout.write(JSON.stringify(out));',
      ].join('\n');
      const env = { ...process.env, AWS_REGION: 'eu-west-2', LAKEHOUSE_SQL_DIR: '' };
      const out = JSON.parse(
        execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
      );
      expect(out.handler).toBe('function');
      if (b.step === 'transform' || b.step === 'load' || b.step === 'sweep') {
        expect(out.sqlDir).toBe(join(b.dir, 'sql'));
        expect(out.models).toBeGreaterThanOrEqual(11);
      } else {
        expect(out.sqlDir).toBeNull();
      }
    }
  });
});
