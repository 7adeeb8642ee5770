/**
 * Makes a pristine PGlite data folder: PGlite's initdb with the embedded
 * settings, nothing else. Run as a child process by pglite-image.ts, so the
 * memory initdb takes (about 0.7 GB resident: PGlite runs it with a second
 * PostgreSQL instance and the initdb program, each in WebAssembly) is given
 * back to the system before the caller goes on.
 *
 * Usage: `node --require tsx/cjs pglite-image-writer.ts <empty folder>`;
 * exit code 0 when the folder holds a closed, ready cluster.
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLITE_SETTINGS } from './pglite-settings';

/**
 * Runs initdb into `dataDir` (created when missing; it must hold no cluster)
 * with {@link PGLITE_SETTINGS}, then closes the database cleanly.
 *
 * @throws Error from PGlite when initdb or the first start fails
 */
export async function writePristineCluster(dataDir: string): Promise<void> {
  const db = await PGlite.create(dataDir, {
    startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS],
    initDbStartParams: [...PGLITE_SETTINGS],
  });
  await db.close();
}

if (require.main === module) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: pglite-image-writer.ts <empty folder>');
    process.exitCode = 2;
  } else {
    writePristineCluster(target).catch((error) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exitCode = 1;
    });
  }
}
