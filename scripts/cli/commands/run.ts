/** `lakehouse run`: one pass of the event chain, then a summary. */
import type { Command } from 'commander';
import type { RunRecord } from '../../../jobs/lib/core/ports';
import type { Delivery } from '../../../jobs/lib/runtimes/local/event-bus';
import { runPass } from '../../../jobs/lib/runtimes/local/run-pass';
import type { LocalRuntime } from '../../../jobs/lib/runtimes/local/local-runtime';
import { STAR_TABLES } from '../../../jobs/lib/definition/tables';
import { renderSummary } from '../summary';
import { qualitySummary } from '../../../jobs/lib/core/quality/results';
import { formatCount } from '../text-table';
import { withRuntime } from '../with-runtime';
import { seedIfEmpty } from './seed';
import { redactUrl } from '../../redact-url';

/** Row counts of every star table in the warehouse (0 for a table not created yet). */
export async function warehouseCounts(runtime: LocalRuntime): Promise<Record<string, number>> {
  const warehouse = await runtime.warehouse();
  await warehouse.ensureSchema();
  const counts: Record<string, number> = {};
  for (const t of STAR_TABLES) {
    const [row] = await warehouse.query(`select count(*) as n from ${t.name}`);
    counts[t.name] = Number(row.n);
  }
  return counts;
}

/**
 * Runs one pass and returns its printable report and whether every step succeeded.
 * With `seedIfEmpty`, seeds an empty source first.
 */
export async function runOnce(
  runtime: LocalRuntime,
  options: { seedIfEmpty?: boolean } = {},
): Promise<{ ok: boolean; text: string }> {
  const lines: string[] = [];
  if (options.seedIfEmpty) {
    const started = performance.now();
    const seeded = await seedIfEmpty(runtime);
    if (seeded) {
      const rows = formatCount(Object.values(seeded).reduce((a, b) => a + b, 0));
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      lines.push(`seeded the empty source: ${rows} rows in ${Object.keys(seeded).length} tables (${seconds} s)`);
    }
  }
  const since = runtime.clock.now().toISOString();
  const openBefore = await runtime.ledger.openRuns();
  const pass = await runPass(runtime);
  const runs = await runsTouched(
    runtime,
    since,
    openBefore.map((r) => r.runId),
    pass.deliveries,
  );
  const unmatched = noTableMatched(runtime, pass.deliveries);
  if (unmatched) lines.push(unmatched);
  if (!runs.length && !pass.failures.length && unmatched) return { ok: false, text: lines.join('\n') };
  if (!runs.length && !pass.failures.length) {
    lines.push('no changes in the source since the last run: nothing extracted, no new run');
    return { ok: true, text: lines.join('\n') };
  }
  lines.push(
    renderSummary({ runs, deliveries: pass.deliveries, totalMs: pass.ms, warehouseRows: await warehouseCounts(runtime) }),
  );
  for (const f of pass.failures) lines.push(`FAILED ${f.route} (${f.step}): ${f.error}`);
  const rejected = runs.flatMap((r) => Object.entries(r.rejects ?? {}).map(([t, n]) => `${n} in ${t} (run ${r.runId})`));
  if (rejected.length) lines.push(`rejected rows, kept under cleaned/_rejects/: ${rejected.join(', ')}`);
  lines.push(...runs.filter((r) => r.quality).map((r) => `data-quality tests of run ${r.runId}: ${qualitySummary(r.quality)}`));
  if (pass.alerts.notified) {
    const where = runtime.settings.smtpUrl ? `emailed to ${runtime.settings.alertEmail}` : `written to ${runtime.paths.outbox}`;
    lines.push(`alert sent (${where}): ${pass.alerts.subject}`);
  }
  lines.push(`log: ${runtime.logFile}`);
  return { ok: pass.failures.length === 0 && !unmatched, text: lines.join('\n') };
}

/**
 * A warning when the pass's extract matched no source table (an empty or
 * wrong source database, or include/exclude globs that match nothing), with
 * what to check; undefined otherwise. Nothing was read, so this is not "no
 * changes".
 */
function noTableMatched(runtime: LocalRuntime, deliveries: Delivery[]): string | undefined {
  const extract = deliveries.find((d) => d.step === 'extract' && !d.error)?.result as
    | { matched?: string[]; available?: number }
    | undefined;
  if (!extract?.matched || extract.matched.length > 0) return undefined;
  const { settings } = runtime;
  const source = settings.sourceUrl ? redactUrl(settings.sourceUrl) : `the embedded source in ${runtime.paths.sourceDb}`;
  const check =
    extract.available === 0
      ? 'it has no table with a last_updated column: is it the right database? (seed the embedded one with `lakehouse seed`)'
      : `it has ${extract.available} table(s) with a last_updated column, none of them matched: check LAKEHOUSE_TABLES_INCLUDE (${settings.include.join(',')}) and LAKEHOUSE_TABLES_EXCLUDE (${settings.exclude.join(',')})`;
  return `0 source tables matched in ${source}: ${check}`;
}

/**
 * The runs a pass touched: those open before it (it may have moved them on)
 * and those its extract and ingest deliveries created, re-read and kept when
 * updated since `since` (ISO, UTC). Reads are bounded by the open runs, not by
 * the ledger's history. Oldest first.
 */
async function runsTouched(
  runtime: LocalRuntime,
  since: string,
  openBefore: string[],
  deliveries: Delivery[],
): Promise<RunRecord[]> {
  const created = deliveries
    .map((d) => (d.result as { runId?: unknown } | undefined)?.runId)
    .filter((id): id is string => typeof id === 'string');
  const ids = [...new Set([...openBefore, ...created])].sort();
  const records = await Promise.all(ids.map((id) => runtime.ledger.getRun(id)));
  return records.filter((r): r is RunRecord => r !== undefined && r.updatedAt >= since);
}

export function registerRun(program: Command, setCode: (code: number) => void): void {
  program
    .command('run')
    .description('run one pass of the chain: extract changes, crawl, transform to cleaned and transformed, load the warehouse')
    .option('--seed-if-empty', 'seed the source with the ToteSys data first when it is empty')
    .action(async (options: { seedIfEmpty?: boolean }) => {
      await withRuntime(async (runtime) => {
        const { ok, text } = await runOnce(runtime, options);
        console.log(text);
        setCode(ok ? 0 : 1);
      });
    });
}
