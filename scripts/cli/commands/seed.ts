/** `lakehouse seed`: creates the ToteSys schema in the source and loads the real data. */
import { InvalidArgumentError, type Command } from 'commander';
import { formatCount } from '../text-table';
import { withRuntime } from '../with-runtime';
import { EXIT } from '../exit-codes';
import { redactUrl } from '../../redact-url';
import { Progress, progressMode } from '../progress';
import { seedWithProgress } from '../seed-progress';

/** What `seed` says when the source already holds data: nothing was seeded, and how to seed again. */
function alreadySeeded(where: string, scale: number): string {
  return [
    `the source is already seeded (${where}); nothing seeded.`,
    `To seed it again: lakehouse seed --reset${scale > 1 ? ` --scale ${scale}` : ' [--scale <n>]'}`,
    '(empties the ToteSys tables first; the lakehouse keeps what earlier runs extracted, so for a clean start use a new LAKEHOUSE_HOME)',
  ].join('\n');
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
    .option(
      '--reset',
      'empty the ToteSys tables of a seeded source and seed them again (one transaction), e.g. at another --scale',
    )
    .action(async (options: { scale: number; reset?: boolean }) => {
      await withRuntime(async (runtime) => {
        const where = runtime.settings.sourceUrl
          ? `LAKEHOUSE_SOURCE_URL ${redactUrl(runtime.settings.sourceUrl)}`
          : `embedded source in ${runtime.paths.sourceDb}`;
        const seeded = await seedWithProgress(runtime, new Progress(progressMode()), {
          scale: options.scale,
          reset: options.reset,
        });
        const tables = seeded?.tables;
        if (!tables) {
          console.error(alreadySeeded(where, options.scale));
          setCode(EXIT.failed);
          return;
        }
        console.log(`seeded ${where}${options.scale > 1 ? ` at scale ${options.scale}` : ''}:`);
        for (const [table, rows] of Object.entries(tables)) console.log(`  ${table.padEnd(16)} ${formatCount(rows)}`);
        setCode(0);
      });
    });
}
