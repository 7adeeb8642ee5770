/**
 * `npm run build`: bundles each Lambda handler with esbuild.
 *
 * For every step with a `jobs/<step>/handler.ts` it writes
 *   dist/lambda/<step>/index.js          one CommonJS bundle for the jobs' Lambda runtime, handler `index.handler`
 *   dist/lambda/<step>/sql/…             the SQL files, for the steps that read them (transform, load, sweep)
 *   dist/lambda/<step>.zip               the folder zipped (deflate), the artefact the pipeline stack deploys
 * and prints each bundle's size.
 *
 * - The bundles target the Node.js version of the jobs' Lambda runtime
 *   (stacks/constructs/lambda-runtime.ts `JOB_RUNTIME`).
 * - The AWS SDK v3 is bundled at the version package.json pins, not taken
 *   from the runtime: the runtime's copy can be older than the members the
 *   code relies on (`IfMatch`/`IfNoneMatch` on PutObject for the ledger's
 *   conditional writes, `SessionId` on the Data API), and an older client
 *   drops members it does not know without an error. Lambda's Node.js
 *   runtimes document that the included SDK version may lag and recommend
 *   bundling the version you tested with (Lambda developer guide, "Building
 *   Lambda functions with Node.js"). Powertools, zod and pg are bundled too.
 * - Bundles that ship SQL start with a banner that sets LAKEHOUSE_SQL_DIR to
 *   their own `sql/` folder (read by jobs/lib/core/sql/models.ts `sqlDir()`), unless
 *   the function's environment already sets it.
 * - No handler reaches the embedded PGlite of the local runtime (the extract
 *   handler opens its server with pg-client.ts; pglite-client.ts is imported
 *   by the local runtime only), so no bundle holds it. `pg-native` (an
 *   optional driver of pg) stays external.
 *
 * Zip files are written with yazl, reproducibly: entries in sorted order, each
 * with the same fixed time (1980-01-01 00:00, the zip epoch, as a DOS
 * timestamp only), mode 0644 and deflate level 9, so the same input gives a
 * byte-identical zip.
 *
 * Usage: `tsx scripts/build.ts [--out <dir>] [step…]` (default: dist/lambda, every step).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { build } from 'esbuild';
import { JOB_RUNTIME } from '../stacks/constructs/lambda-runtime';
import { ZipFile } from 'yazl';
import { STEPS, type Step } from '../jobs/lib/definition/run-stages';
import { textTable } from './cli/text-table';

const ROOT = resolve(__dirname, '..');

/** esbuild's target for the jobs' runtime: `nodejs22.x` → `node22`. */
export const LAMBDA_NODE_TARGET = JOB_RUNTIME.replace(/^nodejs(\d+)\.x$/, 'node$1');

/** Steps whose handler reads SQL files at run time, and which folders of `sql/` they need. */
export const SQL_NEEDED: Partial<Record<Step, string[]>> = {
  transform: ['cleaned', 'transformed'],
  load: ['warehouse'],
  // The source freshness declarations (`freshness:` in sql/cleaned/<table>.tests.yaml), checked on every sweep.
  sweep: ['cleaned'],
};

/** The banner of bundles that ship SQL: point the model loader at the bundled `sql/` folder. */
export const SQL_DIR_BANNER =
  "process.env.LAKEHOUSE_SQL_DIR = process.env.LAKEHOUSE_SQL_DIR || require('path').join(__dirname, 'sql');";

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
export async function buildLambdas(
  outDir = join(ROOT, 'dist', 'lambda'),
  steps: Step[] = handlerSteps(),
): Promise<BuiltLambda[]> {
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
      target: LAMBDA_NODE_TARGET,
      format: 'cjs',
      external: ['pg-native'],
      banner: sqlFolders.length ? { js: SQL_DIR_BANNER } : undefined,
      keepNames: true,
      logLevel: 'warning',
    });
    for (const folder of sqlFolders) cpSync(join(ROOT, 'sql', folder), join(dir, 'sql', folder), { recursive: true });
    const zip = join(outDir, `${step}.zip`);
    writeFileSync(zip, await zipFolder(dir));
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

/**
 * The time of every zip entry: 1980-01-01 00:00 (the zip epoch), built from
 * local-time parts because the DOS timestamp yazl writes is local time, so
 * every machine writes the same bytes.
 */
const ZIP_TIME = new Date(1980, 0, 1, 0, 0, 0);

/**
 * A zip archive of every file under `dir` (sorted paths), each deflated at
 * level 9, mode 0644, dated {@link ZIP_TIME}: byte-identical for the same files.
 */
export async function zipFolder(dir: string): Promise<Buffer> {
  const zip = new ZipFile();
  for (const name of filesUnder(dir)) {
    zip.addBuffer(readFileSync(join(dir, ...name.split('/'))), name, {
      mtime: ZIP_TIME,
      mode: 0o100644,
      compressionLevel: 9,
      forceDosTimestamp: true,
    });
  }
  zip.end();
  return buffer(zip.outputStream);
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
  const table = textTable(['step', 'artefact', 'index.js', 'zip'], ['left', 'left', 'right', 'right']);
  for (const b of built) table.push([b.step, relative(process.cwd(), b.zip), kib(b.bundleBytes), kib(b.zipBytes)]);
  console.log(table.toString());
}

if (require.main === module) {
  cli(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
