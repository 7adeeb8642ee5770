/**
 * Is the warehouse complete? Compares the warehouse's load history
 * (`load_history`, sql/warehouse/load_history.sql) with the runs the run
 * ledger records as loaded. A warehouse that lacks some (a new, empty
 * database behind LAKEHOUSE_WAREHOUSE_URL, a deleted embedded one) must not
 * take the next delta as if it were whole: `run` refuses and `status` says so,
 * both naming the remedies (`lakehouse reload`, `lakehouse run --full-refresh`).
 * Reads only: never creates the warehouse or its tables.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { RunRecord } from '../../jobs/lib/core/ports';
import { LOAD_HISTORY_TABLE } from '../../jobs/lib/core/warehouse/load-history';
import { STAR_TABLES } from '../../jobs/lib/definition/tables';
import type { LocalRuntime } from '../../jobs/lib/runtimes/local/local-runtime';
import { warehouseExists } from '../../jobs/lib/runtimes/local/runtime';
import { redactUrl } from '../redact-url';

/** What the warehouse lacks. */
export interface WarehouseGap {
  /** Runs the ledger records as loaded (since the last full refresh) that the warehouse's load history lacks, oldest first. */
  missing: string[];
  /** How many loaded runs the warehouse should hold (since the last full refresh). */
  expected: number;
  /** The newest run in the warehouse's load history, if any. */
  newestLoaded?: string;
}

/** Where the warehouse is, for messages (a server URL without its password, or the embedded folder). */
export function warehouseLabel(runtime: LocalRuntime): string {
  const url = runtime.settings.warehouseUrl;
  return url ? redactUrl(url) : `the embedded warehouse in ${runtime.paths.warehouseDb}`;
}

/** The file recording the run of the latest full refresh (`{"runId": "…"}`): runs before it are not required. */
export const fullRefreshMarker = (runtime: LocalRuntime) => join(runtime.settings.home, 'full-refresh.json');

/** The run id of the latest full refresh, or undefined when there was none. */
export async function lastFullRefresh(runtime: LocalRuntime): Promise<string | undefined> {
  try {
    return (JSON.parse(await fs.readFile(fullRefreshMarker(runtime), 'utf8')) as { runId?: string }).runId;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Records `runId` as the latest full refresh (see {@link lastFullRefresh}). */
export async function recordFullRefresh(runtime: LocalRuntime, runId: string): Promise<void> {
  await fs.writeFile(fullRefreshMarker(runtime), `${JSON.stringify({ runId })}\n`);
}

/** True when the warehouse has table `name` (without creating anything). */
async function hasTable(runtime: LocalRuntime, name: string): Promise<boolean> {
  const [row] = await (await runtime.warehouse()).query('select to_regclass($1) is not null as present', [name]);
  return row.present === true;
}

/**
 * The run ids in the warehouse's load history, sorted; empty when the
 * embedded warehouse does not exist or has no load history yet (neither is created).
 */
export async function warehouseLoadHistory(runtime: LocalRuntime): Promise<string[]> {
  if (!warehouseExists(runtime.settings)) return [];
  if (!(await hasTable(runtime, LOAD_HISTORY_TABLE))) return [];
  const rows = await (await runtime.warehouse()).query(`select run_id from ${LOAD_HISTORY_TABLE} order by run_id`);
  return rows.map((r) => String(r.run_id));
}

/** Row counts of every star table as the warehouse holds them now: 0 for a table (or an embedded warehouse) not created yet. */
export async function readWarehouseCounts(runtime: LocalRuntime): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const exists = warehouseExists(runtime.settings);
  for (const t of STAR_TABLES) {
    counts[t.name] = 0;
    if (!exists || !(await hasTable(runtime, t.name))) continue;
    const [row] = await (await runtime.warehouse()).query(`select count(*) as n from ${t.name}`);
    counts[t.name] = Number(row.n);
  }
  return counts;
}

/** The runs the ledger records as loaded since the latest full refresh (that run included), oldest first. */
export async function requiredRuns(runtime: LocalRuntime): Promise<RunRecord[]> {
  const since = await lastFullRefresh(runtime);
  return (await runtime.ledger.listRuns()).filter((r) => r.stage === 'loaded' && (!since || r.runId >= since));
}

/**
 * What the warehouse lacks of the runs the ledger records as loaded (since the
 * latest full refresh), or undefined when it lacks nothing. Opens the
 * warehouse only when some run was loaded, and never creates it.
 */
export async function findWarehouseGap(runtime: LocalRuntime): Promise<WarehouseGap | undefined> {
  const required = await requiredRuns(runtime);
  if (required.length === 0) return undefined;
  const history = await warehouseLoadHistory(runtime);
  const have = new Set(history);
  const missing = required.map((r) => r.runId).filter((id) => !have.has(id));
  if (missing.length === 0) return undefined;
  return { missing, expected: required.length, newestLoaded: history.at(-1) };
}

/** The message for a gap: what is missing, why loading a delta would be wrong, and the two remedies. */
export function renderGap(runtime: LocalRuntime, gap: WarehouseGap): string {
  const { missing, expected } = gap;
  const span = missing.length === 1 ? `run ${missing[0]}` : `runs ${missing[0]} … ${missing.at(-1)}`;
  const what =
    missing.length === expected
      ? `holds none of the ${expected} run(s) the ledger records as loaded (it is new or was reset)`
      : `lacks ${missing.length} of the ${expected} run(s) the ledger records as loaded`;
  return [
    `the warehouse (${warehouseLabel(runtime)}) ${what}: ${span}.`,
    'Loading only the next delta would leave it partial, so nothing is loaded until it is rebuilt:',
    '  lakehouse reload               rebuild it from the transformed zone, every run in load order (--dry-run to preview)',
    '  lakehouse run --full-refresh   re-extract everything from the source, then transform and load (--dry-run to preview)',
  ].join('\n');
}
