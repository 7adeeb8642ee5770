/**
 * `lakehouse reload [--dry-run]`: rebuilds the warehouse from the transformed
 * zone. Every run the ledger records as loaded and the warehouse's load
 * history lacks is loaded again, oldest first, with the load job's own
 * semantics (Warehouse.loadRun: dimensions upserted, fact versions inserted
 * when absent, the run recorded in load_history in the same transaction), so
 * a second reload loads nothing. The remedy for a new or reset warehouse
 * (scripts/cli/warehouse-gap.ts).
 */
import type { Command } from 'commander';
import { queryRows } from '../../../jobs/lib/adapters/duckdb/duckdb';
import { quoteLiteral } from '../../../jobs/lib/core/identifiers';
import type { LoadTable } from '../../../jobs/lib/core/ports';
import { loadTablesForRun } from '../../../jobs/load/load';
import type { LocalRuntime } from '../../../jobs/lib/runtimes/local/local-runtime';
import { formatCount, textTable } from '../text-table';
import { withRuntime } from '../with-runtime';
import { readWarehouseCounts, requiredRuns, warehouseLabel, warehouseLoadHistory } from '../warehouse-gap';

/** One run a reload would load: its star tables' files and rows (rows read from the Parquet footers by DuckDB). */
export interface ReloadRun {
  runId: string;
  tables: LoadTable[];
  rows: Record<string, number>;
}

/** What a reload would do, or why it cannot. */
export interface ReloadPlan {
  runs: ReloadRun[];
  /** Set when the reload must not start; nothing is loaded. */
  refusal?: string;
}

/** Rows in `files` (transformed-zone keys), counted by DuckDB; 0 for none. */
async function countRows(runtime: LocalRuntime, files: string[]): Promise<number> {
  if (files.length === 0) return 0;
  const list = files.map((key) => quoteLiteral(runtime.lake.transformed.uri(key))).join(', ');
  const [row] = await queryRows(runtime.duck, `select count(*) as n from read_parquet([${list}])`);
  return Number(row.n);
}

/**
 * Plans a reload: the runs to load, oldest first. Into a warehouse with no
 * load history, every run the ledger records as loaded; into one with
 * history, the runs since the latest full refresh that it lacks. Refuses
 * (`refusal`) when a run's transformed output is gone, or when a missing run
 * is older than a run the warehouse holds (its dimension snapshots would
 * overwrite newer values). Reads only.
 */
export async function planReload(runtime: LocalRuntime): Promise<ReloadPlan> {
  const history = await warehouseLoadHistory(runtime);
  const have = new Set(history);
  const candidates = history.length
    ? await requiredRuns(runtime)
    : (await runtime.ledger.listRuns()).filter((r) => r.stage === 'loaded');
  const runs: ReloadRun[] = [];
  for (const { runId } of candidates.filter((r) => !have.has(r.runId))) {
    const tables = await loadTablesForRun(runtime.lake.transformed, runId);
    const rows: Record<string, number> = {};
    for (const t of tables) rows[t.table.name] = await countRows(runtime, t.files);
    runs.push({ runId, tables, rows });
  }
  const gone = runs.filter((r) => r.tables.every((t) => t.files.length === 0)).map((r) => r.runId);
  if (gone.length) {
    return {
      runs,
      refusal: `the transformed zone (${runtime.paths.zone('transformed')}) no longer holds the output of run(s) ${gone.join(', ')}: a reload cannot rebuild the warehouse; use \`lakehouse run --full-refresh\``,
    };
  }
  const newest = history.at(-1);
  const older = newest ? runs.filter((r) => r.runId < newest).map((r) => r.runId) : [];
  if (older.length) {
    return {
      runs,
      refusal: `the warehouse already holds run ${newest}, newer than the missing run(s) ${older.join(', ')}: loading them now would put older dimension values over newer ones. Reload into an empty warehouse (a new database, or delete ${runtime.paths.warehouseDb}) or use \`lakehouse run --full-refresh\``,
    };
  }
  return { runs };
}

/** Renders a plan: one line per run with its rows per star table (tables without rows left out). */
export function renderPlan(plan: ReloadPlan): string {
  const table = textTable(['run', 'table', 'rows'], ['left', 'left', 'right']);
  for (const run of plan.runs) {
    for (const [name, n] of Object.entries(run.rows)) if (n > 0) table.push([run.runId, name, formatCount(n)]);
  }
  const total = plan.runs.reduce((sum, r) => sum + Object.values(r.rows).reduce((a, b) => a + b, 0), 0);
  return `${table.toString()}\n${plan.runs.length} run(s), ${formatCount(total)} rows`;
}

/** Loads the planned runs, oldest first; returns one line per run. Throws the warehouse's error (that run rolled back). */
async function reload(runtime: LocalRuntime, plan: ReloadPlan): Promise<string[]> {
  const warehouse = await runtime.warehouse();
  await warehouse.ensureSchema();
  const lines: string[] = [];
  for (const run of plan.runs) {
    const result = await warehouse.loadRun(run.runId, run.tables);
    const changed = Object.values(result.tables).reduce((sum, c) => sum + c.changed, 0);
    lines.push(
      result.loaded
        ? `loaded run ${run.runId}: ${formatCount(changed)} rows inserted or updated`
        : `run ${run.runId} is already in the warehouse`,
    );
  }
  return lines;
}

export function registerReload(program: Command, setCode: (code: number) => void): void {
  program
    .command('reload')
    .description(
      'rebuild the warehouse from the transformed zone: load every run it lacks, oldest first, as the load step does (idempotent)',
    )
    .option('--dry-run', 'print the runs, tables and rows it would load, and change nothing')
    .action(async (options: { dryRun?: boolean }) => {
      await withRuntime(
        async (runtime) => {
          const plan = await planReload(runtime);
          const where = warehouseLabel(runtime);
          if (plan.refusal) {
            console.error(`lakehouse: ${plan.refusal}`);
            setCode(1);
            return;
          }
          if (plan.runs.length === 0) {
            console.log(`nothing to reload: the warehouse (${where}) holds every run the ledger records as loaded`);
            setCode(0);
            return;
          }
          if (options.dryRun) {
            console.log(`dry run: would load into the warehouse (${where}), oldest first:\n${renderPlan(plan)}`);
            console.log('nothing was changed');
            setCode(0);
            return;
          }
          for (const line of await reload(runtime, plan)) console.log(line);
          const counts = await readWarehouseCounts(runtime);
          const rows = textTable(['warehouse table', 'rows'], ['left', 'right']);
          for (const [name, n] of Object.entries(counts)) rows.push([name, formatCount(n)]);
          console.log(`reloaded ${plan.runs.length} run(s) into the warehouse (${where})\n${rows.toString()}`);
          setCode(0);
        },
        { readOnly: options.dryRun },
      );
    });
}
