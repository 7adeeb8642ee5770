/** Seeding an empty source with progress: one line per table as it is loaded (scripts/cli/progress.ts). */
import type { LocalRuntime } from '../../jobs/lib/runtimes/local/local-runtime';
import { isSourceEmpty, seedSource } from '../seed/seed-source';
import { type Progress, seconds } from './progress';
import { formatCount, formatRows } from './text-table';
import { recordSeedSnapshot } from '../../jobs/lib/core/quality/source-freshness';

/** Records the seed time and the newest last_updated seeded, for source freshness (README "Data quality"). */
async function recordSeed(runtime: LocalRuntime, tables: string[]): Promise<void> {
  const db = await runtime.sourceClient();
  const maxes = tables.map((t) => `select max(last_updated) as m from "${t.replace(/"/g, '""')}"`).join(' union all ');
  const [row] = await db.query<{ newest: unknown }>(`select cast(max(m) as text) as newest from (${maxes}) x`);
  if (row?.newest === null || row?.newest === undefined) return;
  await recordSeedSnapshot(runtime.lake.transformed, { seededAt: runtime.clock.now().toISOString(), newest: String(row.newest) });
}

/**
 * Seeds the runtime's source when it is empty, at `scale` (default 1, the
 * real data; see `seedSource`), showing the load table by table on
 * `progress`. Returns rows per table and the milliseconds the seed took, or
 * null when the source already held data (nothing is changed or shown then).
 * With `reset`, the ToteSys tables are emptied and seeded again (one transaction).
 * @throws TerminalError for a bad scale or a failed seed (see seedSource).
 */
export async function seedWithProgress(
  runtime: LocalRuntime,
  progress: Progress,
  options: { scale?: number; reset?: boolean } = {},
): Promise<{ tables: Record<string, number>; ms: number } | null> {
  const db = await runtime.sourceClient();
  if (!options.reset && !(await isSourceEmpty(db))) return null;
  const started = performance.now();
  const scale = options.scale ?? 1;
  const { tables } = await progress.task(
    `seeding the source with the ToteSys data${scale > 1 ? ` at scale ${scale}` : ''}`,
    (report) =>
      seedSource(db, {
        scale,
        reset: options.reset,
        onTable: (table, rows, ms) => report(`${table}: ${formatRows(rows)} in ${seconds(ms)}`),
      }),
    (seeded) =>
      `seeded the source: ${formatCount(Object.values(seeded.tables).reduce((a, b) => a + b, 0))} rows in ${Object.keys(seeded.tables).length} tables`,
  );
  await recordSeed(runtime, Object.keys(tables));
  runtime.logger.info('source seeded', { step: 'seed', scale, reset: !!options.reset, tables });
  return { tables, ms: performance.now() - started };
}
