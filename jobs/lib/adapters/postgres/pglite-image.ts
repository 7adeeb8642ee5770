/**
 * The pristine PGlite data folder new embedded databases are copied from.
 *
 * PGlite makes a new data folder by running initdb, which holds a second
 * PostgreSQL instance and the initdb program in WebAssembly at once: about
 * 0.7 GB resident for a few seconds, memory the process does not give back.
 * That made the first `npm start` (two new databases, the source and the
 * warehouse) peak near 1 GB. Copying a folder initdb made once (40 MB, about
 * 1,000 files) and opening it costs what opening an existing database costs.
 *
 * The image is made once per installed PGlite version and per
 * {@link PGLITE_SETTINGS}, both in its name, so an upgrade of PGlite never
 * meets an image of another version: `npm ci` makes it (the `postinstall`
 * script, scripts/prepare-pglite-image.ts); when it is missing (installed with
 * `--ignore-scripts`, cache deleted) the first database that needs it makes it
 * in a child process (pglite-image-writer.ts), whose memory is gone when it
 * exits. It lives in `node_modules/.cache/lakehouse/`, next to the PGlite it
 * belongs to, and goes when node_modules goes.
 *
 * Every database copied from the image shares its system identifier
 * (pg_control); nothing in the lakehouse uses it (no replication, no backups
 * by identifier).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { PGLITE_SETTINGS } from './pglite-settings';

/** The file whose presence PGlite takes for "this folder holds a database"; copied last. */
const MARKER = 'PG_VERSION';

/** Scratch folders an image is made in, under the cache. */
const SCRATCH_PREFIX = '.making-';

/** A scratch folder older than this was left by a process that was killed while making an image (milliseconds). */
const ABANDONED_MS = 60 * 60 * 1000;

/** The installed `@electric-sql/pglite`: its package folder and version. */
export function installedPglite(): { dir: string; version: string } {
  const dir = join(dirname(require.resolve('@electric-sql/pglite')), '..');
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  return { dir, version };
}

/** `node_modules/.cache/lakehouse` of the node_modules holding PGlite (the find-cache-dir convention). */
export function defaultImageCache(): string {
  return join(installedPglite().dir, '..', '..', '.cache', 'lakehouse');
}

/**
 * The image's folder under `cache`: `pglite-<version>-<12 hex digits of the
 * settings' SHA-256>`. Exists only once the image is complete.
 */
export function pristineImageDir(cache = defaultImageCache()): string {
  const settings = createHash('sha256').update(JSON.stringify(PGLITE_SETTINGS)).digest('hex').slice(0, 12);
  return join(cache, `pglite-${installedPglite().version}-${settings}`);
}

const making = new Map<string, Promise<string | undefined>>();

/**
 * The image's folder, made first when missing (in a child process; a few
 * seconds). Several processes may make it at once: each makes its own in a
 * scratch folder under `cache` and renames it into place; the first rename
 * wins and the others use it.
 *
 * @returns the folder, or undefined when `cache` cannot be written or this
 *   module does not run from its TypeScript source (the caller then lets
 *   PGlite run initdb itself)
 * @throws Error when initdb fails in the child (its error output in the message)
 */
export function ensurePristineImage(cache = defaultImageCache()): Promise<string | undefined> {
  const image = pristineImageDir(cache);
  if (existsSync(join(image, MARKER))) return Promise.resolve(image);
  let pending = making.get(image);
  if (!pending) {
    pending = makeImage(cache, image).finally(() => making.delete(image));
    making.set(image, pending);
  }
  return pending;
}

async function makeImage(cache: string, image: string): Promise<string | undefined> {
  if (!__filename.endsWith('.ts') || !writable(cache)) return undefined;
  removeAbandonedScratch(cache);
  const scratch = mkdtempSync(join(cache, SCRATCH_PREFIX));
  try {
    const cluster = join(scratch, 'data');
    await runWriter(cluster);
    try {
      renameSync(cluster, image);
    } catch (error) {
      if (!existsSync(join(image, MARKER))) throw error; // not another process's image
    }
    return image;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Removes scratch folders killed makers left (40 MB each); a maker still at work has a recent one. */
function removeAbandonedScratch(cache: string): void {
  for (const name of readdirSync(cache)) {
    if (!name.startsWith(SCRATCH_PREFIX)) continue;
    const folder = join(cache, name);
    try {
      if (Date.now() - statSync(folder).mtimeMs > ABANDONED_MS) rmSync(folder, { recursive: true, force: true });
    } catch {
      // Another maker removed it between the listing and here.
    }
  }
}

function writable(folder: string): boolean {
  try {
    mkdirSync(folder, { recursive: true });
    accessSync(folder, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs pglite-image-writer.ts in a child process through tsx, as the CLI runs
 * the sources, with PGlite's WebAssembly compiled on one background task as
 * the CLI launcher does (scripts/bin/lakehouse.js).
 */
function runWriter(cluster: string): Promise<void> {
  const args = [
    '--wasm-num-compilation-tasks=1',
    '--require',
    require.resolve('tsx/cjs'),
    join(__dirname, 'pglite-image-writer.ts'),
    cluster,
  ];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 1 << 20 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const detail = stderr.trim().split('\n').slice(-5).join(' ') || error.message;
      reject(new Error(`could not make the pristine PGlite data folder: ${detail}`, { cause: error }));
    });
  });
}

/**
 * Copies the image into `dataDir` (created when missing; files already there
 * are overwritten). PG_VERSION comes last, so a copy cut short is not taken
 * for a database: the next open copies again.
 *
 * @throws the file system's error (EACCES, EROFS, ENOSPC…)
 */
export function copyPristineImage(image: string, dataDir: string): void {
  const marker = join(image, MARKER);
  cpSync(image, dataDir, { recursive: true, filter: (source) => source !== marker });
  copyFileSync(marker, join(dataDir, MARKER));
}
