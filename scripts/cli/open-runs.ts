/**
 * Runs that need a person: failed runs waiting for `lakehouse retry`, and runs
 * left waiting at a stage (the next pass's sweep picks those up). `run`,
 * `watch`, `retry` and `status` name them, so a failed run is never out of
 * sight (a cron user must not see green while a run waits for a fix).
 */
import type { RunLedger, RunRecord } from '../../jobs/lib/core/ports';
import type { RunStage } from '../../jobs/lib/definition/run-stages';

/** A failed run: where it stopped, why, and the command that retries it once the cause is fixed. */
export interface FailedRunNotice {
  runId: string;
  /** The stage the run stays at until retried. */
  stage: RunStage;
  /** The step that failed (`transform:cleaned`, `load`, …). */
  step: string;
  /** When it failed (ISO 8601, UTC). */
  at: string;
  error: string;
  /** The command that retries it: `lakehouse retry <runId>`. */
  retry: string;
}

/** A run not failed and not loaded: waiting at `stage` since `since` (ISO 8601, UTC). */
export interface WaitingRunNotice {
  runId: string;
  stage: RunStage;
  since: string;
}

/** The open runs that need attention, oldest first. */
export interface OpenRunsReport {
  failed: FailedRunNotice[];
  waiting: WaitingRunNotice[];
}

/**
 * Reads the ledger's open runs (through its open-runs index: the cost follows
 * the runs still open, not the history) and sorts them into failed and
 * waiting. Throws what the ledger throws.
 */
export async function openRunsReport(ledger: RunLedger): Promise<OpenRunsReport> {
  const open: RunRecord[] = await ledger.openRuns();
  const report: OpenRunsReport = { failed: [], waiting: [] };
  for (const run of open) {
    if (run.stage === 'loaded') continue; // the index may briefly list a run it no longer needs to
    if (run.failed) {
      report.failed.push({
        runId: run.runId,
        stage: run.stage,
        step: run.failed.step,
        at: run.failed.at,
        error: run.failed.error,
        retry: `lakehouse retry ${run.runId}`,
      });
    } else {
      report.waiting.push({ runId: run.runId, stage: run.stage, since: run.updatedAt });
    }
  }
  return report;
}

/**
 * The report as lines of text, empty when no run is open: one line per failed
 * run (id, failed step, error, retry command) and per waiting run.
 */
export function renderOpenRuns(report: OpenRunsReport): string[] {
  const lines: string[] = [];
  if (report.failed.length) {
    lines.push(
      `${report.failed.length} failed run${report.failed.length === 1 ? '' : 's'} waiting for a retry (fix the cause, then run the command):`,
    );
    for (const f of report.failed) {
      lines.push(`  ${f.runId} failed at ${f.step} (stage ${f.stage}, ${f.at}): ${f.error}`);
      lines.push(`    retry: ${f.retry}`);
    }
  }
  for (const w of report.waiting) {
    lines.push(`run ${w.runId} is waiting at stage ${w.stage} since ${w.since}: the next pass picks it up`);
  }
  return lines;
}

/**
 * A pass's report with the open runs appended; `ok` becomes false while any
 * run is failed, even when the pass itself had nothing to do.
 */
export async function withOpenRuns<T extends { ok: boolean; text: string }>(ledger: RunLedger, result: T): Promise<T> {
  const report = await openRunsReport(ledger);
  const lines = renderOpenRuns(report);
  if (!lines.length) return result;
  return { ...result, ok: result.ok && !report.failed.length, text: [result.text, ...lines].filter(Boolean).join('\n') };
}
