/** `lakehouse run`: one pass of the event chain, then a summary. */
import type { Command } from 'commander';
import { readSettings } from '../../../jobs/lib/runtimes/local/settings';
import type { RunRecord } from '../../../jobs/lib/core/ports';
import type { Delivery } from '../../../jobs/lib/runtimes/local/event-bus';
import { type PassResult, runPass } from '../../../jobs/lib/runtimes/local/run-pass';
import type { LocalRuntime } from '../../../jobs/lib/runtimes/local/local-runtime';
import { readWarehouseCounts } from '../warehouse-gap';
import { describeDatabases, renderSummary } from '../summary';
import { Progress, type ProgressMode, progressMode } from '../progress';
import { seedWithProgress } from '../seed-progress';
import { landingReport } from '../landing-report';
import { qualitySummary } from '../../../jobs/lib/core/quality/results';
import { freshnessLines } from '../../../jobs/lib/core/quality/source-freshness';
import { formatCount } from '../text-table';
import { withRuntime } from '../with-runtime';
import { interruptible } from '../interruptible';
import { redactUrl } from '../../redact-url';
import { withOpenRuns } from '../open-runs';
import { alertNotSentLine } from '../alert-not-sent';
import { EXIT, passExitCode } from '../exit-codes';
import { finishFullRefresh, fullRefreshDryRun, refuseIfPartial, startFullRefresh } from '../full-refresh';

/**
 * Runs one pass and returns its printable report, whether every step succeeded
 * and no run is left failed (`ok`), and whether its alert could not be sent.
 * The report ends with every failed or waiting run (scripts/cli/open-runs.ts).
 * With `seedIfEmpty`, seeds an empty source first. `progress` (default
 * silent) shows the seed and each step as it runs (scripts/cli/progress.ts).
 */
export async function runOnce(
  runtime: LocalRuntime,
  options: { seedIfEmpty?: boolean; fullRefresh?: boolean; progress?: ProgressMode } = {},
): Promise<{ ok: boolean; text: string; alertNotSent?: boolean }> {
  return withOpenRuns(runtime.ledger, await passReport(runtime, options));
}

/** One pass and its report, without the open runs. */
async function passReport(
  runtime: LocalRuntime,
  options: { seedIfEmpty?: boolean; fullRefresh?: boolean; progress?: ProgressMode },
): Promise<{ ok: boolean; text: string; alertNotSent?: boolean }> {
  const lines: string[] = [];
  // A warehouse lacking loaded runs must not take a delta (warehouse-gap.ts); a full refresh is one remedy.
  const refusal = options.fullRefresh ? undefined : await refuseIfPartial(runtime);
  if (refusal) return { ok: false, text: refusal };
  const progress = new Progress(options.progress ?? 'silent');
  if (options.seedIfEmpty) {
    const seeded = await seedWithProgress(runtime, progress);
    if (seeded) {
      const rows = formatCount(Object.values(seeded.tables).reduce((a, b) => a + b, 0));
      const seconds = (seeded.ms / 1000).toFixed(2);
      lines.push(`seeded the empty source: ${rows} rows in ${Object.keys(seeded.tables).length} tables (${seconds} s)`);
    }
  }
  const since = runtime.clock.now().toISOString();
  if (options.fullRefresh) await startFullRefresh(runtime);
  const openBefore = await runtime.ledger.openRuns();
  const pass = await runPass(runtime, { onProgress: progress.listener });
  await progress.done();
  if (options.fullRefresh) lines.push(await finishFullRefresh(runtime, since));
  const runs = await runsTouched(
    runtime,
    since,
    openBefore.map((r) => r.runId),
    pass.deliveries,
  );
  const unmatched = noTableMatched(runtime, pass.deliveries);
  if (unmatched) lines.push(unmatched);
  const landing = landingReport(pass.deliveries);
  lines.push(...landing.lines);
  lines.push(...freshnessLines(pass.freshness));
  // Change capture: a slot over its lag threshold (or gone) is a problem even when everything else went well.
  const slotProblems = pass.slotLag?.problems ?? [];
  lines.push(...slotProblems.map((p) => `change capture: ${p}`));
  if (!runs.length && !pass.failures.length && unmatched) return { ok: false, text: lines.join('\n') };
  if (!runs.length && !pass.failures.length) {
    lines.push('no changes in the source since the last run: nothing extracted, no new run');
    lines.push(...alertLines(runtime, pass));
    return { ok: landing.quarantined === 0 && slotProblems.length === 0, text: lines.join('\n') };
  }
  const databases = describeDatabases(runtime.settings, runtime.paths);
  const warehouseRows = await readWarehouseCounts(runtime);
  lines.push(...renderSummary({ runs, deliveries: pass.deliveries, totalMs: pass.ms, warehouseRows, databases }));
  for (const f of pass.failures) lines.push(`FAILED ${f.route} (${f.step}): ${f.error}`);
  const rejected = runs.flatMap((r) => Object.entries(r.rejects ?? {}).map(([t, n]) => `${n} in ${t} (run ${r.runId})`));
  if (rejected.length)
    lines.push(`rejected rows: ${rejected.join(', ')} (see them: lakehouse query "select * from cleaned._rejects")`);
  lines.push(...runs.filter((r) => r.quality).map((r) => `data-quality tests of run ${r.runId}: ${qualitySummary(r.quality)}`));
  lines.push(...alertLines(runtime, pass));
  lines.push(`log: ${runtime.logFile}`);
  return {
    ok: pass.failures.length === 0 && !unmatched && landing.quarantined === 0 && slotProblems.length === 0,
    text: lines.join('\n'),
    alertNotSent: !!pass.alerts.notSent,
  };
}

/** The alert line of a pass (sent, or kept in the outbox), if it alerted (e.g. a source freshness change on a pass with no changes). */
function alertLines(runtime: LocalRuntime, pass: PassResult): string[] {
  if (pass.alerts.notified) {
    const where = runtime.settings.smtpUrl ? `emailed to ${runtime.settings.alertEmail}` : `written to ${runtime.paths.outbox}`;
    return [`alert sent (${where}): ${pass.alerts.subject}`];
  }
  return pass.alerts.notSent ? [alertNotSentLine(runtime, pass.alerts.notSent)] : [];
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
    .option('--full-refresh', 'ignore the watermarks: re-extract every matched source table, then transform and load')
    .option('--dry-run', 'with --full-refresh: print the tables and rows it would extract, and change nothing')
    .action(async (options: { seedIfEmpty?: boolean; fullRefresh?: boolean; dryRun?: boolean }) => {
      if (options.dryRun && !options.fullRefresh) {
        console.error('lakehouse: run --dry-run goes with --full-refresh (see also `lakehouse reload --dry-run`)');
        setCode(EXIT.usage);
        return;
      }
      if (options.fullRefresh && readCaptureMode() === 'cdc') {
        // A full refresh clears watermarks, which CDC does not read: it would extract nothing and say so too late.
        console.error(
          'lakehouse: run --full-refresh re-extracts by watermark, which LAKEHOUSE_CAPTURE=cdc does not use. ' +
            'To reload everything in CDC mode, make a new slot and initial load: `lakehouse cdc drop && lakehouse cdc setup`; ' +
            'or run it once with LAKEHOUSE_CAPTURE=watermark.',
        );
        setCode(EXIT.usage);
        return;
      }
      await withRuntime(
        (runtime) =>
          interruptible(runtime, setCode, async () => {
            const result = options.dryRun
              ? { ok: true, text: await fullRefreshDryRun(runtime) }
              : await runOnce(runtime, { ...options, progress: progressMode() });
            console.log(result.text);
            setCode(passExitCode(result));
          }),
        { readOnly: options.dryRun },
      );
    });
}

/** The capture mode the environment sets (`LAKEHOUSE_CAPTURE`), or undefined when the settings cannot be read (the runtime reports that). */
function readCaptureMode(): string | undefined {
  try {
    return readSettings().capture;
  } catch {
    return undefined;
  }
}
