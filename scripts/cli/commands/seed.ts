/** `lakehouse seed`: creates the ToteSys schema in the source and loads the real data. */
import { InvalidArgumentError, type Command } from 'commander';
import type { LocalRuntime } from '../../../jobs/lib/runtimes/local/local-runtime';
import { isSourceEmpty, seedSource } from '../../seed/seed-source';
import { formatCount } from '../text-table';
import { withRuntime } from '../with-runtime';
import { Progress, progressMode } from '../progress';
import { seedWithProgress } from '../seed-progress';

/**
 * Seeds the source when it is empty, at `scale` (default 1: the real data;
 * N adds N−1 copies of the order-level tables, `scripts/seed/scale.ts`).
 * Returns rows per table, or null when the source already held data (nothing
 * is changed then).
 * @throws TerminalError for a bad scale or a failed seed (see seedSource).
 */
export async function seedIfEmpty(
  runtime: LocalRuntime,
  options: { scale?: number } = {},
): Promise<Record<string, number> | null> {
  const db = await runtime.sourceClient();
  if (!(await isSourceEmpty(db))) return null;
  const result = await seedSource(db, { scale: options.scale });
  runtime.logger.info('source seeded', { step: 'seed', scale: options.scale ?? 1, tables: result.tables });
  return result.tables;
}

/** Parses `--scale`: a whole number ≥ 1. Throws InvalidArgumentError otherwise. */
export function parseScale(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('the scale is a whole number ≥ 1');
  return Number(value);
}

export function registerSeed(program: Command, setCode: (code: number) => void): void {
  program
    .command('seed')
    .description('create the ToteSys schema in the source (LAKEHOUSE_SOURCE_URL or the embedded PGlite) and load the real data')
    .option(
      '--scale <n>',
      'load n times the order-level data (sales_order, purchase_order, transaction, payment): the real rows plus n−1 shifted copies',
      parseScale,
      1,
    )
    .action(async (options: { scale: number }) => {
      await withRuntime(async (runtime) => {
        const where = runtime.settings.sourceUrl ? 'LAKEHOUSE_SOURCE_URL' : `embedded source in ${runtime.paths.sourceDb}`;
        const seeded = await seedWithProgress(runtime, new Progress(progressMode()), { scale: options.scale });
        const tables = seeded?.tables;
        if (!tables) {
          console.log(`source already holds data (${where}); nothing seeded`);
          return;
        }
        console.log(`seeded ${where}${options.scale > 1 ? ` at scale ${options.scale}` : ''}:`);
        for (const [table, rows] of Object.entries(tables)) console.log(`  ${table.padEnd(16)} ${formatCount(rows)}`);
        setCode(0);
      });
    });
}
