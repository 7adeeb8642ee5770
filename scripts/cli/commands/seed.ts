/** `lakehouse seed`: creates the ToteSys schema in the source and loads the real data. */
import type { Command } from 'commander';
import type { LocalRuntime } from '../../../jobs/lib/local/runtime';
import { isSourceEmpty, seedSource } from '../../seed/seed-source';
import { withRuntime } from '../with-runtime';

/**
 * Seeds the source when it is empty. Returns rows per table, or null when the
 * source already held data (nothing is changed then).
 */
export async function seedIfEmpty(runtime: LocalRuntime): Promise<Record<string, number> | null> {
  const db = await runtime.sourceClient();
  if (!(await isSourceEmpty(db))) return null;
  const result = await seedSource(db);
  runtime.logger.info('source seeded', { step: 'seed', tables: result.tables });
  return result.tables;
}

export function registerSeed(program: Command, setCode: (code: number) => void): void {
  program
    .command('seed')
    .description('create the ToteSys schema in the source (LAKEHOUSE_SOURCE_URL or the embedded PGlite) and load the real data')
    .action(async () => {
      await withRuntime(async (runtime) => {
        const where = runtime.settings.sourceUrl ? 'LAKEHOUSE_SOURCE_URL' : `embedded source in ${runtime.paths.sourceDb}`;
        const tables = await seedIfEmpty(runtime);
        if (!tables) {
          console.log(`source already holds data (${where}); nothing seeded`);
          return;
        }
        console.log(`seeded ${where}:`);
        for (const [table, rows] of Object.entries(tables)) console.log(`  ${table.padEnd(16)} ${rows.toLocaleString('en-GB')}`);
        setCode(0);
      });
    });
}
