/**
 * `npx tsx scripts/bench/reconcile.ts`: how long `lakehouse reconcile` takes
 * (issue 15, part 3) against its floors (reconcile-figures.ts), on the
 * lakehouse of the environment (`LAKEHOUSE_HOME`, `LAKEHOUSE_SOURCE_URL`, as
 * the CLI does), which must have been loaded with `lakehouse run` (seed it at
 * the scale to measure with `lakehouse seed --scale <n>` first). Reconcile
 * runs as a dry run, so nothing is written. `npm run bench` measures the same
 * at every scale on its own databases.
 *
 * Prints one line per table and the totals; exit code 1 when reconcile fails.
 */
import { openLocalRuntime } from '../../jobs/lib/runtimes/local/runtime';
import { readSettings } from '../../jobs/lib/runtimes/local/settings';
import { formatCount, textTable } from '../cli/text-table';
import { measureReconcile } from './reconcile-figures';

const ms = (seconds: number | undefined) => (seconds === undefined ? '-' : (seconds * 1000).toFixed(0));

async function main(): Promise<number> {
  const runtime = await openLocalRuntime(readSettings());
  try {
    const f = await measureReconcile(runtime);
    const table = textTable(['source table', 'keys', 'key COPY (ms)', 'table COPY (ms)'], ['left', 'right', 'right', 'right']);
    for (const t of f.tables) table.push([t.table, formatCount(t.keys), ms(t.keySeconds), ms(t.tableSeconds)]);
    console.log(table.toString());
    console.log(`source: ${f.source === 'server' ? 'PostgreSQL server (COPY TO STDOUT)' : 'PGlite (key-ordered pages)'}`);
    console.log(`keys COPY, all tables: ${ms(f.keyFloorSeconds)} ms`);
    console.log(`reconcile --dry-run:   ${ms(f.reconcileSeconds)} ms (${formatCount(f.differences)} difference(s))`);
    console.log(`ratio: ${f.ratioToKeyFloor.toFixed(1)}x one COPY of the keys`);
    if (f.tableFloorSeconds !== undefined && f.ratioToTableFloor !== undefined) {
      console.log(`table COPY, all tables: ${ms(f.tableFloorSeconds)} ms (every value, read once)`);
      console.log(`ratio: ${f.ratioToTableFloor.toFixed(1)}x one COPY of every table`);
    }
    return 0;
  } catch (error) {
    console.error(`reconcile benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await runtime.close();
  }
}

main().then((code) => {
  process.exitCode = code;
});
