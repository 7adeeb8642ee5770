/**
 * `lakehouse reconcile [--dry-run]`: compares every source table's keys and
 * row texts with the lake's latest versions (jobs/reconcile/), prints per
 * table the keys compared, inserted, changed and deleted, writes the
 * differences as a run and runs a pass, which carries that run to the
 * warehouse. With `--dry-run` it only compares and prints.
 *
 * Exits 1 when reconcile cannot run (runs still open in the chain, a source
 * error) or when the pass that follows fails.
 */
import type { Command } from 'commander';
import { reconcileLocal } from '../../../jobs/reconcile/local';
import type { ReconcileResult } from '../../../jobs/reconcile/reconcile';
import { formatCount, textTable } from '../text-table';
import { withRuntime } from '../with-runtime';
import { runOnce } from './run';

/** The result as text: one table row per source table, then what was written (or why nothing). */
export function renderReconcile(result: ReconcileResult): string {
  const table = textTable(
    ['source table', 'keys compared', 'inserted', 'changed', 'deleted'],
    ['left', 'right', 'right', 'right', 'right'],
  );
  for (const [name, t] of Object.entries(result.tables)) {
    table.push([name, formatCount(t.compared), formatCount(t.inserted), formatCount(t.changed), formatCount(t.deleted)]);
  }
  const lines = [table.toString()];
  if (result.skipped.length) lines.push(`not reconciled (no cleaned rows yet; run first): ${result.skipped.join(', ')}`);
  const differences = Object.values(result.tables).reduce((n, t) => n + t.inserted + t.changed + t.deleted, 0);
  if (result.dryRun) lines.push(`dry run: ${formatCount(differences)} difference(s) found, nothing written`);
  else if (result.runId) lines.push(`run ${result.runId} written with ${formatCount(differences)} difference(s)`);
  else lines.push('source and lake agree: no run');
  return lines.join('\n');
}

export function registerReconcile(program: Command, setCode: (code: number) => void): void {
  program
    .command('reconcile')
    .description(
      'compare source rows with the lake key by key; write deletes and changes the watermark cannot see as a run, then run a pass',
    )
    .option('--dry-run', 'compare and print only; write nothing')
    .action(async (options: { dryRun?: boolean }) => {
      await withRuntime(async (runtime) => {
        let result: ReconcileResult;
        try {
          result = await reconcileLocal(runtime, { dryRun: options.dryRun });
        } catch (error) {
          console.error(`reconcile failed: ${error instanceof Error ? error.message : String(error)}`);
          setCode(1);
          return;
        }
        console.log(renderReconcile(result));
        if (!result.runId) {
          setCode(0);
          return;
        }
        const { ok, text } = await runOnce(runtime);
        console.log(text);
        setCode(ok ? 0 : 1);
      });
    });
}
