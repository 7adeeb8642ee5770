/**
 * `lakehouse retry [run…] [--ledger s3://bucket/prefix/]`: clears the failure
 * mark of runs (every failed run when none is named) through the run
 * lifecycle (jobs/lib/core/run-lifecycle.ts), so the chain picks them up at
 * the stage they stopped.
 *
 * - Locally (no `--ledger`): clears, then runs a pass, whose sweep
 *   re-announces them. When nothing was cleared (the named runs are not
 *   failed, or no run is) it runs no pass: a retry that has nothing to retry
 *   changes nothing (issue 12, item 13).
 * - Against the AWS ledger (`--ledger s3://…`): clears only; the next
 *   scheduled sweep re-announces the runs (their `updatedAt` is now, so once
 *   the sweep's threshold has passed).
 *
 * Exits 1 when a named run does not exist (and then clears nothing), or when
 * the local pass fails.
 */
import { type Command, Option } from 'commander';
import type { Clock, RunLedger } from '../../../jobs/lib/core/ports';
import { clearFailure, failedRuns, type ClearedFailure } from '../../../jobs/lib/core/run-lifecycle';
import { s3LedgerAt } from '../ledger-uri';
import { withRuntime } from '../with-runtime';
import { interruptible } from '../interruptible';
import { runOnce } from './run';
import { passExitCode } from '../exit-codes';

/** What a retry did: runs cleared, runs named that were not failed, runs named that do not exist. */
export interface RetryReport {
  cleared: ClearedFailure[];
  notFailed: ClearedFailure[];
  missing: string[];
}

/**
 * Clears the failure of the named runs, or of every failed run (read through
 * the ledger's open-runs index) when `runIds` is empty. When a named run does
 * not exist nothing is cleared and it is reported in `missing`. A named run
 * that is not failed is left untouched (`notFailed`).
 * Throws what the ledger throws.
 */
export async function retryRuns(deps: { ledger: RunLedger; clock: Clock }, runIds: string[]): Promise<RetryReport> {
  const targets = runIds.length ? [...new Set(runIds)] : (await failedRuns(deps.ledger)).map((r) => r.runId);
  const missing: string[] = [];
  for (const runId of targets) if (!(await deps.ledger.getRun(runId))) missing.push(runId);
  if (missing.length) return { cleared: [], notFailed: [], missing };
  const report: RetryReport = { cleared: [], notFailed: [], missing };
  for (const runId of targets) {
    const outcome = await clearFailure(deps, runId);
    (outcome.cleared ? report.cleared : report.notFailed).push(outcome);
  }
  return report;
}

/**
 * Clears the failure of the named runs (every failed run when none is
 * named) and returns the ids cleared. Throws TypeError naming the runs when a
 * named run does not exist (nothing is cleared then).
 */
export async function clearFailures(deps: { ledger: RunLedger; clock: Clock }, runIds: string[]): Promise<string[]> {
  const report = await retryRuns(deps, runIds);
  if (report.missing.length) throw new TypeError(`no such run: ${report.missing.join(', ')}`);
  return report.cleared.map((c) => c.runId);
}

/** The report as lines of text: one per run, or why nothing was done. */
export function renderRetry(report: RetryReport): string {
  if (report.missing.length) return `no such run in the ledger: ${report.missing.join(', ')}; nothing retried`;
  const lines = report.cleared.map(
    (c) => `retrying ${c.runId}: cleared "${c.failed!.step}: ${c.failed!.error}"; it resumes at stage ${c.stage}`,
  );
  for (const n of report.notFailed) lines.push(`${n.runId} is not failed (stage ${n.stage}): nothing to clear`);
  return lines.length ? lines.join('\n') : 'no failed runs to retry';
}

export function registerRetry(program: Command, setCode: (code: number) => void): void {
  program
    .command('retry')
    .description(
      'clear the failed mark of runs (default: every failed run) so the chain picks them up where they stopped; locally, then run a pass',
    )
    .argument('[runs...]', 'run ids to retry')
    .option(
      '--ledger <s3-uri>',
      'clear the failures in the AWS run ledger (s3://bucket[/prefix/], prefix default _ledger/) instead of the local one; the next scheduled sweep re-announces the runs',
    )
    .addOption(new Option('--region <region>', 'AWS region of the ledger bucket (default: the SDK default chain)'))
    .action(async (runs: string[], options: { ledger?: string; region?: string }) => {
      if (options.ledger) {
        const ledger = await s3LedgerAt(options.ledger, options.region);
        const report = await retryRuns({ ledger, clock: { now: () => new Date() } }, runs);
        console.log(renderRetry(report));
        if (report.cleared.length)
          console.log(`the next scheduled sweep re-announces ${report.cleared.length === 1 ? 'it' : 'them'}`);
        setCode(report.missing.length ? 1 : 0);
        return;
      }
      await withRuntime(async (runtime) => {
        const report = await retryRuns(runtime, runs);
        console.log(renderRetry(report));
        if (report.missing.length) {
          setCode(1);
          return;
        }
        if (!report.cleared.length) {
          console.log('no pass run (lakehouse run runs one)');
          setCode(0);
          return;
        }
        await interruptible(runtime, setCode, async () => {
          const result = await runOnce(runtime);
          console.log(result.text);
          setCode(passExitCode(result));
        });
      });
    });
}
