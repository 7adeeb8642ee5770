/** `lakehouse status`: open and recent runs, watermarks, and row counts per zone table and warehouse table. */
import { formatCount, textTable } from '../text-table';
import type { Command } from 'commander';
import type { LocalRuntime } from '../../../jobs/lib/runtimes/local/local-runtime';
import { countErrorCell, countFailures, countZoneTables, type ZoneCount } from '../zone-counts';
import type { RunRecord, Watermarks } from '../../../jobs/lib/core/ports';
import { withRuntime } from '../with-runtime';
import { type OpenRunsReport, openRunsReport, renderOpenRuns } from '../open-runs';
import { findWarehouseGap, readWarehouseCounts, renderGap } from '../warehouse-gap';
import { listSchemaDrift, type DriftRecord } from '../../../jobs/lib/core/schema-drift';
import { renderSchemaDrift } from '../schema-drift-status';
import { qualitySummary } from '../../../jobs/lib/core/quality/results';
import bytes from 'bytes';
import type { SlotStatus } from '../../../jobs/lib/core/change-capture';
import { slotProblems } from '../../../jobs/lib/core/slot-lag';
import { localChangeCapture } from '../../../jobs/lib/runtimes/local/local-change-capture';

export interface StatusReport {
  runs: RunRecord[];
  watermarks: Watermarks;
  /** zone → table → rows (all runs), or `{ error, hint }` for a table that could not be counted (zone-counts.ts). */
  zones: Record<string, Record<string, ZoneCount>>;
  warehouse: Record<string, number>;
  /** Failed runs (with the retry command) and runs waiting at a stage. */
  attention: OpenRunsReport;
  /** Columns source data had that the table contracts lack (schema drift), once each. */
  schemaDrift: DriftRecord[];
  /** In capture mode `cdc`: the replication slot (null when missing) and its problems (slot-lag.ts). */
  changeCapture?: { slot: SlotStatus | null; maxLagBytes: number; problems: string[] };
}

/** Collects the status of the local lakehouse (reads the ledger, the catalog and the warehouse). */
export async function collectStatus(runtime: LocalRuntime): Promise<StatusReport> {
  const zones = await countZoneTables(runtime.duck);
  return {
    runs: await statusRuns(runtime),
    watermarks: (await runtime.ledger.getWatermarks()).watermarks,
    zones,
    warehouse: await readWarehouseCounts(runtime),
    attention: await openRunsReport(runtime.ledger),
    schemaDrift: await listSchemaDrift(runtime.lake.cleaned),
    ...(runtime.settings.capture === 'cdc' ? { changeCapture: await changeCaptureStatus(runtime) } : {}),
  };
}

/** The slot's status and problems (capture mode `cdc`), read without logging. */
async function changeCaptureStatus(runtime: LocalRuntime): Promise<NonNullable<StatusReport['changeCapture']>> {
  const { maxLagBytes } = runtime.settings.cdc;
  const slot = await (await localChangeCapture(runtime)).status();
  return { slot, maxLagBytes, problems: slotProblems(slot, maxLagBytes) };
}

/** The change-capture lines of status: the slot's lag and retained WAL, then its problems. */
function renderChangeCapture(cc: StatusReport['changeCapture']): string[] {
  if (!cc) return [];
  const lines = cc.slot
    ? [
        `change capture: slot ${cc.slot.slot} ${cc.slot.active ? 'active' : 'idle'}, lag ${bytes.format(cc.slot.lagBytes)}, ` +
          `retained WAL ${bytes.format(cc.slot.retainedBytes)} (alert over ${bytes.format(cc.maxLagBytes)})`,
      ]
    : [];
  return [...lines, ...cc.problems.map((p) => `change capture problem: ${p}`)];
}

/** How many of the most recent runs status shows besides the open ones. */
export const STATUS_RECENT_RUNS = 20;

/**
 * The runs status shows: every open run (not yet loaded, failed or waiting)
 * and the {@link STATUS_RECENT_RUNS} most recent, oldest first. Bounded by the
 * open runs, not by the ledger's history.
 */
async function statusRuns(runtime: LocalRuntime): Promise<RunRecord[]> {
  const [open, recent] = await Promise.all([runtime.ledger.openRuns(), runtime.ledger.listRuns({ limit: STATUS_RECENT_RUNS })]);
  const byId = new Map([...recent, ...open].map((r) => [r.runId, r]));
  return [...byId.values()].sort((a, b) => a.runId.localeCompare(b.runId));
}

/**
 * Renders a status report as text tables. A failed run's cell names its step
 * only: the error, often a paragraph, is printed once under the tables with
 * the retry command (in the table it made every row 200 characters wide).
 */
export function renderStatus(status: StatusReport): string {
  const runs = textTable(['run', 'origin', 'stage', 'failed at', 'data-quality tests', 'created (UTC)']);
  for (const r of status.runs)
    runs.push([
      r.runId,
      r.origin,
      r.stage,
      r.failed ? `${r.failed.step} (error below)` : '',
      qualitySummary(r.quality),
      r.createdAt,
    ]);
  const marks = textTable(['source table', 'watermark (last_updated)']);
  for (const [table, w] of Object.entries(status.watermarks).sort()) marks.push([table, w.lastUpdated]);
  const rows = textTable(['zone', 'table', 'rows'], ['left', 'left', 'right']);
  for (const [zone, tables] of Object.entries(status.zones)) {
    for (const [table, n] of Object.entries(tables))
      rows.push([zone, table, typeof n === 'number' ? formatCount(n) : countErrorCell(n)]);
  }
  for (const [table, n] of Object.entries(status.warehouse)) rows.push(['warehouse', table, formatCount(n)]);
  return [
    status.runs.length ? runs.toString() : 'no runs yet',
    Object.keys(status.watermarks).length ? marks.toString() : 'no watermarks yet',
    rows.toString(),
    renderSchemaDrift(status.schemaDrift),
    ...renderChangeCapture(status.changeCapture),
    ...renderOpenRuns(status.attention),
  ].join('\n');
}

export function registerStatus(program: Command, setCode: (code: number) => void): void {
  program
    .command('status')
    .description('show runs, watermarks, and row counts per zone table and warehouse table')
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }) => {
      await withRuntime(
        async (runtime) => {
          const status = await collectStatus(runtime);
          console.log(options.json ? JSON.stringify(status, null, 2) : renderStatus(status));
          const gap = await findWarehouseGap(runtime);
          if (gap) console.error(`warning: ${renderGap(runtime, gap)}`);
          const failures = countFailures(status.zones);
          for (const line of failures) console.error(`error: ${line}`);
          setCode(failures.length || status.changeCapture?.problems.length ? 1 : 0);
        },
        { readOnly: true },
      );
    });
}
