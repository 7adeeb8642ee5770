/**
 * `npm run build`: bundles each Lambda handler with esbuild.
 *
 * For every step with a `jobs/<step>/handler.ts` it writes
 *   dist/lambda/<step>/index.js          one CommonJS bundle (Node 20), handler `index.handler`
 *   dist/lambda/<step>/sql/…             the SQL files, for the steps that read them (transform, load)
 *   dist/lambda/<step>.zip               the folder zipped (deflate), the artefact the pipeline stack deploys
 * and prints each bundle's size.
 *
 * - The AWS SDK v3 is left out (`@aws-sdk/*` external): the Lambda Node.js
 *   runtime provides it. Powertools, zod and pg are bundled.
 * - Bundles that ship SQL start with a banner that sets LAKEHOUSE_SQL_DIR to
 *   their own `sql/` folder (read by jobs/lib/sql/models.ts `sqlDir()`), unless
 *   the function's environment already sets it.
 * - `@electric-sql/pglite` (the embedded database of the local runtime, reached
 *   through pg-client.ts) is replaced by a stub that throws if used: on AWS
 *   the source is always a server URL, and PGlite's WebAssembly files are not
 *   shipped. `pg-native` (an optional driver of pg) stays external.
 *
 * Zip files are written by the small store-and-deflate writer below (Node has
 * zlib but no zip), with fixed timestamps so the same input gives the same zip.
 *
 * Usage: `tsx scripts/build.ts [--out <dir>] [step…]` (default: dist/lambda, every step).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';
import { STEPS, type Step } from '../jobs/lib/definition/run-stages';

const ROOT = resolve(__dirname, '..');

/** Steps whose handler reads SQL files at run time, and which folders of `sql/` they need. */
export const SQL_NEEDED: Partial<Record<Step, string[]>> = {
  transform: ['cleaned', 'transformed'],
  load: ['warehouse'],
};

/** The banner of bundles that ship SQL: point the model loader at the bundled `sql/` folder. */
export const SQL_DIR_BANNER =
  "process.env.LAKEHOUSE_SQL_DIR = process.env.LAKEHOUSE_SQL_DIR || require('path').join(__dirname, 'sql');";

/** Resolves `@electric-sql/pglite` to a stub that throws when the embedded database is asked for. */
const pgliteStub: Plugin = {
  name: 'pglite-stub',
  setup(b) {
    b.onResolve({ filter: /^@electric-sql\/pglite$/ }, () => ({ path: 'pglite-stub', namespace: 'lakehouse-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'lakehouse-stub' }, () => ({
      contents: [
        'export const types = {};',
        'export class PGlite {',
        "  static async create() { throw new Error('the embedded PGlite database is not part of the Lambda bundles: give a PostgreSQL URL'); }",
        '}',
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/** What was built for one step. */
export interface BuiltLambda {
  step: Step;
  /** The bundle folder (holds index.js and, where needed, sql/). */
  dir: string;
  zip: string;
  /** Bytes of index.js and of the zip. */
  bundleBytes: number;
  zipBytes: number;
}

/** The steps that have a handler (`jobs/<step>/handler.ts`). */
export function handlerSteps(): Step[] {
  return STEPS.filter((step) => existsSync(join(ROOT, 'jobs', step, 'handler.ts')));
}

/**
 * Bundles the handlers of `steps` into `outDir` (see the module comment) and
 * zips each. Returns what it built. Throws esbuild's error when a bundle
 * fails (e.g. an import that cannot be resolved), and Error for an unknown step.
 */
export async function buildLambdas(outDir = join(ROOT, 'dist', 'lambda'), steps: Step[] = handlerSteps()): Promise<BuiltLambda[]> {
  const built: BuiltLambda[] = [];
  for (const step of steps) {
    const entry = join(ROOT, 'jobs', step, 'handler.ts');
    if (!existsSync(entry)) throw new Error(`no handler for step ${step}: ${relative(ROOT, entry)} is missing`);
    const dir = join(outDir, step);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const sqlFolders = SQL_NEEDED[step] ?? [];
    await build({
      entryPoints: [entry],
      outfile: join(dir, 'index.js'),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: ['@aws-sdk/*', 'pg-native'],
      plugins: [pgliteStub],
      banner: sqlFolders.length ? { js: SQL_DIR_BANNER } : undefined,
      keepNames: true,
      logLevel: 'warning',
    });
    for (const folder of sqlFolders) cpSync(join(ROOT, 'sql', folder), join(dir, 'sql', folder), { recursive: true });
    const zip = join(outDir, `${step}.zip`);
    writeFileSync(zip, zipFolder(dir));
    built.push({ step, dir, zip, bundleBytes: statSync(join(dir, 'index.js')).size, zipBytes: statSync(zip).size });
  }
  return built;
}

/** Every file under `dir`, as `/`-separated paths relative to it, sorted. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** DOS date/time of 1980-01-01 00:00 (the zip epoch): fixed, so builds are reproducible. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/**
 * A zip archive (PKWARE APPNOTE 6.3, no zip64: files and archive under 4 GiB)
 * of every file under `dir`, each deflated, mode 0644 for Unix unzip tools.
 */
export function zipFolder(dir: string): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const name of filesUnder(dir)) {
    const data = readFileSync(join(dir, ...name.split('/')));
    const deflated = deflateRawSync(data, { level: 9 });
    const nameBytes = Buffer.from(name, 'utf8');
    // The fields local and central headers share, in the same order (version needed … extra length).
    const shared = Buffer.alloc(26);
    shared.writeUInt16LE(20, 0); // version needed: 2.0 (deflate)
    shared.writeUInt16LE(0x0800, 2); // flags: UTF-8 names
    shared.writeUInt16LE(8, 4); // method: deflate
    shared.writeUInt16LE(DOS_TIME, 6);
    shared.writeUInt16LE(DOS_DATE, 8);
    shared.writeUInt32LE(crc32(data), 10);
    shared.writeUInt32LE(deflated.length, 14);
    shared.writeUInt32LE(data.length, 18);
    shared.writeUInt16LE(nameBytes.length, 22);
    shared.writeUInt16LE(0, 24); // extra length
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); // local file header signature
    shared.copy(local, 4);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); // central directory header signature
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0
    shared.copy(central, 6);
    central.writeUInt16LE(0, 32); // comment length
    central.writeUInt16LE(0, 34); // disk number
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, deflated);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + deflated.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); // end of central directory signature
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20);
  return Buffer.concat([...locals, directory, end]);
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** CLI: `tsx scripts/build.ts [--out <dir>] [step…]`; prints one line per bundle with its sizes. */
async function cli(args: string[]): Promise<void> {
  const outAt = args.indexOf('--out');
  const outDir = outAt >= 0 ? resolve(args[outAt + 1]) : undefined;
  const named = args.filter((a, i) => a !== '--out' && i !== outAt + 1);
  const unknown = named.filter((s) => !(STEPS as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`unknown step(s): ${unknown.join(', ')} (steps: ${STEPS.join(', ')})`);
  const built = await buildLambdas(outDir, named.length ? (named as Step[]) : undefined);
  const rows = built.map((b) => [b.step, relative(process.cwd(), b.zip), kib(b.bundleBytes), kib(b.zipBytes)]);
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(`${'step'.padEnd(widths[0])}  ${'artefact'.padEnd(widths[1])}  ${'index.js'.padStart(11)}  ${'zip'.padStart(11)}`);
  for (const [step, zip, bundle, zipped] of rows) {
    console.log(`${step.padEnd(widths[0])}  ${zip.padEnd(widths[1])}  ${bundle.padStart(11)}  ${zipped.padStart(11)}`);
  }
}

if (require.main === module) {
  cli(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
