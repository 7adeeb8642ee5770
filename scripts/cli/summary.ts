/**
 * The summary `lakehouse run` prints: rows per table per stage, rejects, and
 * time per stage, for the runs one pass touched.
 */
import { formatCount as fmt, textTable } from './text-table';
import type { Delivery } from '../../jobs/lib/runtimes/local/event-bus';
import { SOURCE_TABLES, STAR_TABLES } from '../../jobs/lib/definition/tables';
import type { RunRecord } from '../../jobs/lib/core/ports';

/** The stage label of a delivery: `extract`, `crawl raw`, `cleaned`, `transformed`, `load`, … */
export function stageLabel(delivery: Pick<Delivery, 'step' | 'input'>): string {
  if (delivery.step === 'crawl') return `crawl ${delivery.input.zone}`;
  if (delivery.step === 'transform') return String(delivery.input.target);
  return delivery.step;
}

/** Seconds per stage label, in the order stages first ran. */
export function stageTimes(deliveries: Delivery[]): Map<string, number> {
  const times = new Map<string, number>();
  for (const d of deliveries) times.set(stageLabel(d), (times.get(stageLabel(d)) ?? 0) + d.ms / 1000);
  return times;
}

function sum(runs: RunRecord[], pick: (run: RunRecord) => Record<string, number> | undefined, table: string): number {
  return runs.reduce((total, run) => total + (pick(run)?.[table] ?? 0), 0);
}

/**
 * Renders the pass summary as text tables. `runs` are the ledger records the
 * pass created or moved; `warehouseRows` the warehouse row count per star table.
 */
export function renderSummary(input: {
  runs: RunRecord[];
  deliveries: Delivery[];
  totalMs: number;
  warehouseRows?: Record<string, number>;
}): string {
  const { runs } = input;
  const out: string[] = [];
  out.push(
    `runs: ${runs.map((r) => `${r.runId} (${r.origin}, ${r.failed ? `failed at ${r.failed.step}` : r.stage})`).join(', ')}`,
  );

  const source = textTable(['source table', 'extracted', 'cleaned', 'rejected'], ['left', 'right', 'right', 'right']);
  for (const t of SOURCE_TABLES) {
    source.push([
      t.name,
      fmt(sum(runs, (r) => r.counts.extracted, t.name)),
      fmt(sum(runs, (r) => r.counts.cleaned, t.name)),
      fmt(sum(runs, (r) => r.rejects, t.name)),
    ]);
  }
  out.push(source.toString());

  const star = textTable(
    ['star table', 'transformed', 'loaded (new/changed)', 'in warehouse'],
    ['left', 'right', 'right', 'right'],
  );
  for (const t of STAR_TABLES) {
    star.push([
      t.name,
      fmt(sum(runs, (r) => r.counts.transformed, t.name)),
      fmt(sum(runs, (r) => r.counts.loaded, t.name)),
      input.warehouseRows ? fmt(input.warehouseRows[t.name] ?? 0) : '-',
    ]);
  }
  out.push(star.toString());

  const times = textTable(['stage', 'seconds'], ['left', 'right']);
  for (const [label, seconds] of stageTimes(input.deliveries)) times.push([label, seconds.toFixed(2)]);
  times.push(['total', (input.totalMs / 1000).toFixed(2)]);
  out.push(times.toString());
  return out.join('\n');
}
