/**
 * The summary `lakehouse run` (and each pass of `watch`) prints: which source
 * and warehouse were used, then one line per stage and one per table, in the
 * style of dbt (`1 of 11 OK sales_order ..... [12,345 rows in 0.42s]`).
 *
 * Counts per stage and per source table are the rows this pass moved (summed
 * over the runs it touched: each run is a delta). Star tables show what the
 * warehouse holds after the pass, plus the rows this pass added or changed;
 * a dimension's count is never summed across runs (each run's dimension is a
 * full snapshot, so a sum would count the same rows once per run).
 *
 * {@link renderSummary} returns lines, so callers append their own (failed
 * steps, alerts, the log path).
 */
import type { Delivery } from '../../jobs/lib/runtimes/local/event-bus';
import type { LocalSettings, homePaths } from '../../jobs/lib/runtimes/local/settings';
import { SOURCE_TABLES, STAR_TABLES } from '../../jobs/lib/definition/tables';
import type { RunRecord } from '../../jobs/lib/core/ports';
import { redactUrl } from '../redact-url';
import { formatCount as fmt, formatRows } from './text-table';

/** The stage label of a delivery: `extract`, `crawl raw`, `cleaned`, `transformed`, `load`, … */
export function stageLabel(delivery: Pick<Delivery, 'step' | 'input'>): string {
  if (delivery.step === 'crawl') return `crawl ${delivery.input.zone}`;
  if (delivery.step === 'transform') return String(delivery.input.target);
  return delivery.step;
}

/** One stage of a pass: its deliveries taken together, in the order stages first ran. */
export interface StageSummary {
  label: string;
  /** How many times the bus delivered to it in the pass. */
  deliveries: number;
  /** Seconds, summed over its deliveries. */
  seconds: number;
  /** Error messages of the deliveries that failed. */
  errors: string[];
}

/** The stages of a pass, in the order they first ran. */
export function stageSummaries(deliveries: Delivery[]): StageSummary[] {
  const stages = new Map<string, StageSummary>();
  for (const d of deliveries) {
    const label = stageLabel(d);
    const stage = stages.get(label) ?? { label, deliveries: 0, seconds: 0, errors: [] };
    stage.deliveries += 1;
    stage.seconds += d.ms / 1000;
    if (d.error) stage.errors.push(d.error);
    stages.set(label, stage);
  }
  return [...stages.values()];
}

/** Seconds per stage label, in the order stages first ran. */
export function stageTimes(deliveries: Delivery[]): Map<string, number> {
  return new Map(stageSummaries(deliveries).map((s) => [s.label, s.seconds]));
}

/**
 * Where the source and the warehouse are, for messages: a server URL with its
 * password replaced by `***` (scripts/redact-url.ts), or the embedded PGlite's folder.
 */
export function describeDatabases(
  settings: Pick<LocalSettings, 'sourceUrl' | 'warehouseUrl'>,
  paths: Pick<ReturnType<typeof homePaths>, 'sourceDb' | 'warehouseDb'>,
): { source: string; warehouse: string } {
  return {
    source: settings.sourceUrl ? redactUrl(settings.sourceUrl) : `embedded PGlite in ${paths.sourceDb}`,
    warehouse: settings.warehouseUrl ? redactUrl(settings.warehouseUrl) : `embedded PGlite in ${paths.warehouseDb}`,
  };
}

/** Rows of `table` at `stage`, summed over `runs` (each run is a delta). */
function sum(runs: RunRecord[], pick: (run: RunRecord) => Record<string, number> | undefined, table: string): number {
  return runs.reduce((total, run) => total + (pick(run)?.[table] ?? 0), 0);
}

/** Rows at a stage, summed over runs and tables. */
function total(runs: RunRecord[], pick: (run: RunRecord) => Record<string, number> | undefined): number {
  return runs.reduce((n, run) => n + Object.values(pick(run) ?? {}).reduce((a, b) => a + b, 0), 0);
}

/** Width of a summary line up to its bracketed details. */
const LINE_WIDTH = 60;

/** `  3 of 11 OK   name ........ [details]`, dots filling to {@link LINE_WIDTH}. */
export function progressLine(
  index: number,
  count: number,
  status: 'OK' | 'WARN' | 'FAIL',
  name: string,
  details: string,
): string {
  const head = `${String(index).padStart(String(count).length)} of ${count} ${status.padEnd(4)} ${name} `;
  return `${head}${'.'.repeat(Math.max(3, LINE_WIDTH - head.length))} [${details}]`;
}

/** What the rows of a stage were, for its line (undefined: the line shows the time only). */
function stageRows(label: string, runs: RunRecord[]): string | undefined {
  switch (label) {
    case 'extract':
    case 'ingest':
      return formatRows(total(runs, (r) => (r.origin === label ? r.counts.extracted : undefined)));
    case 'cleaned':
      return `${formatRows(total(runs, (r) => r.counts.cleaned))}, ${fmt(total(runs, (r) => r.rejects))} rejected`;
    case 'transformed':
      return formatRows(total(runs, (r) => r.counts.transformed));
    case 'load':
      return `${formatRows(total(runs, (r) => r.counts.loaded))} new or changed`;
    default:
      return undefined;
  }
}

/** The input of {@link renderSummary}. */
export interface SummaryInput {
  /** The ledger records the pass created or moved, oldest first. */
  runs: RunRecord[];
  /** The pass's deliveries, in order. */
  deliveries: Delivery[];
  /** Wall time of the pass, milliseconds. */
  totalMs: number;
  /** Row count per star table in the warehouse after the pass; omitted: not known. */
  warehouseRows?: Record<string, number>;
  /** Where the source and warehouse are ({@link describeDatabases}); omitted: not printed. */
  databases?: { source: string; warehouse: string };
}

/**
 * The pass summary as lines: the databases used, the runs, one line per
 * stage (status, rows, seconds), one per source table (extracted, cleaned,
 * rejected in this pass) and one per star table (rows in the warehouse, and
 * rows this pass added or changed), then the total time.
 */
export function renderSummary(input: SummaryInput): string[] {
  const { runs } = input;
  const out: string[] = [];
  if (input.databases) out.push(`source: ${input.databases.source}`, `warehouse: ${input.databases.warehouse}`);
  out.push(
    `runs: ${runs.map((r) => `${r.runId} (${r.origin}, ${r.failed ? `failed at ${r.failed.step}` : r.stage})`).join(', ') || 'none'}`,
  );

  const stages = stageSummaries(input.deliveries);
  out.push('stages:');
  stages.forEach((stage, i) => {
    const rows = stageRows(stage.label, runs);
    const times = stage.deliveries > 1 ? ` (${stage.deliveries} deliveries)` : '';
    const status = stage.errors.length ? 'FAIL' : 'OK';
    out.push(
      progressLine(i + 1, stages.length, status, stage.label, `${rows ? `${rows} in ` : ''}${stage.seconds.toFixed(2)}s${times}`),
    );
  });

  out.push('source tables (rows this pass):');
  SOURCE_TABLES.forEach((t, i) => {
    const rejected = sum(runs, (r) => r.rejects, t.name);
    const extracted = sum(runs, (r) => r.counts.extracted, t.name);
    const cleaned = sum(runs, (r) => r.counts.cleaned, t.name);
    out.push(
      progressLine(
        i + 1,
        SOURCE_TABLES.length,
        rejected ? 'WARN' : 'OK',
        t.name,
        `${fmt(extracted)} extracted, ${fmt(cleaned)} cleaned, ${fmt(rejected)} rejected`,
      ),
    );
  });

  out.push('star tables (rows in the warehouse):');
  STAR_TABLES.forEach((t, i) => {
    const loaded = sum(runs, (r) => r.counts.loaded, t.name);
    const held = input.warehouseRows ? formatRows(input.warehouseRows[t.name] ?? 0) : 'rows not counted';
    const change = t.kind === 'dimension' ? `${fmt(loaded)} new or changed` : `${fmt(loaded)} new`;
    out.push(progressLine(i + 1, STAR_TABLES.length, 'OK', t.name, `${held}, ${change}`));
  });

  out.push(`total ${(input.totalMs / 1000).toFixed(2)}s`);
  return out;
}
