/**
 * `npm ci`'s postinstall step: makes the pristine PGlite data folder that new
 * embedded databases are copied from (jobs/lib/adapters/postgres/pglite-image.ts),
 * so the first `npm start` never runs PGlite's initdb, which takes about
 * 0.7 GB of memory. Takes a few seconds and about 0.7 GB once, here.
 *
 * When the image cannot be made it warns and still exits 0: an install must
 * not fail over a cache the first run makes itself (in a child process, the
 * same way), and the warning says so.
 */
import { ensurePristineImage } from '../jobs/lib/adapters/postgres/pglite-image';

async function main(): Promise<void> {
  const started = performance.now();
  try {
    const image = await ensurePristineImage();
    if (image) {
      console.log(
        `lakehouse: pristine embedded database ready in ${image} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
      );
    } else {
      console.warn(
        'lakehouse: node_modules/.cache cannot be written, so each new embedded database will run initdb (about 0.7 GB of memory)',
      );
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.warn(`lakehouse: warning: ${message}; the first run will try again`);
  }
}

void main();
