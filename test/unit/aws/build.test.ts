/**
 * The Lambda build (scripts/build.ts): one bundle per handler that loads in a
 * fresh Node process and exports `handler`, the AWS SDK left out, SQL shipped
 * where it is read, and zip files any unzip tool reads (checked here with a
 * small reader: central directory → local entries → inflate → CRC).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import { buildLambdas, handlerSteps, type BuiltLambda } from '../../../scripts/build';

const ROOT = resolve(__dirname, '../../..');
// Inside the repo (dist/ is git-ignored) so the bundles resolve the external @aws-sdk packages from node_modules.
const OUT = join(ROOT, 'dist', `test-build-${process.pid}`);

/** Reads a zip's entries: name → content, checking each CRC. */
function readZip(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    expect(zip.readUInt32LE(local)).toBe(0x04034b50);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataAt, dataAt + compressed);
    const data = method === 8 ? inflateRawSync(raw) : raw;
    expect(data.length).toBe(size);
    expect(crc32(data)).toBe(crc);
    entries.set(name, data);
    at += 46 + nameLength + extra + comment;
  }
  return entries;
}

let built: BuiltLambda[];
beforeAll(async () => {
  built = await buildLambdas(OUT);
}, 60_000);
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe('npm run build', () => {
  it('builds one artefact per handler', () => {
    expect(handlerSteps()).toEqual(['extract', 'ingest', 'crawl', 'transform', 'load', 'scan-logs', 'sweep']);
    expect(built.map((b) => b.step)).toEqual(handlerSteps());
    for (const b of built) {
      expect(existsSync(join(b.dir, 'index.js'))).toBe(true);
      expect(b.bundleBytes).toBeGreaterThan(10_000);
      expect(b.zipBytes).toBeLessThan(b.bundleBytes);
    }
  });

  it('leaves the AWS SDK out and stubs the embedded PGlite', () => {
    for (const b of built) {
      const code = readFileSync(join(b.dir, 'index.js'), 'utf8');
      expect([b.step, /require\("@aws-sdk\/client-[a-z0-9-]+"\)/.test(code)]).toEqual([b.step, true]);
      expect(code).not.toMatch(/pglite\.wasm/);
    }
  });

  it('ships the SQL a bundle reads, and only there', () => {
    const byStep = Object.fromEntries(built.map((b) => [b.step, b]));
    expect(readdirSync(join(byStep.transform.dir, 'sql')).sort()).toEqual(['cleaned', 'transformed']);
    expect(readdirSync(join(byStep.transform.dir, 'sql', 'cleaned'))).toContain('sales_order.sql');
    expect(readdirSync(join(byStep.load.dir, 'sql'))).toEqual(['warehouse']);
    expect(existsSync(join(byStep.crawl.dir, 'sql'))).toBe(false);
  });

  it('writes zips holding exactly the bundle folder', () => {
    for (const b of built) {
      const entries = readZip(readFileSync(b.zip));
      expect(entries.get('index.js')?.equals(readFileSync(join(b.dir, 'index.js')))).toBe(true);
      if (b.step === 'load') expect([...entries.keys()].sort()).toEqual(['index.js', ...readdirSync(join(b.dir, 'sql', 'warehouse')).map((f) => `sql/warehouse/${f}`)].sort());
    }
  });

  it('each bundle loads in a fresh Node process and exports handler; SQL bundles find their models', () => {
    for (const b of built) {
      const script = [
        `const m = require(${JSON.stringify(join(b.dir, 'index.js'))});`,
        "const out = { handler: typeof m.handler, sqlDir: process.env.LAKEHOUSE_SQL_DIR || null };",
        "if (out.sqlDir) out.models = require('fs').readdirSync(require('path').join(out.sqlDir, require('fs').readdirSync(out.sqlDir)[0])).length;",
        'process.stdout.write(JSON.stringify(out));',
      ].join('\n');
      const env = { ...process.env, AWS_REGION: 'eu-west-2', LAKEHOUSE_SQL_DIR: '' };
      const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
      expect(out.handler).toBe('function');
      if (b.step === 'transform' || b.step === 'load') {
        expect(out.sqlDir).toBe(join(b.dir, 'sql'));
        expect(out.models).toBeGreaterThanOrEqual(11);
      } else {
        expect(out.sqlDir).toBeNull();
      }
    }
  });
});
