/** `lakehouse retry [run…]`: clears the failed mark of runs (all failed runs when none is named) and runs a pass. */
import type { Command } from 'commander';
import type { LocalRuntime } from '../../../jobs/lib/runtimes/local/local-runtime';
import { withRuntime } from '../with-runtime';
import { runOnce } from './run';

/**
 * Clears `failed` on the named runs, or on every failed run when `runIds` is
 * empty, so the next pass's sweep picks them up at the stage they stopped.
 * Returns the run ids cleared; throws when a named run does not exist.
 */
export async function clearFailures(runtime: LocalRuntime, runIds: string[]): Promise<string[]> {
  const targets = runIds.length ? runIds : (await runtime.ledger.listRuns()).filter((r) => r.failed).map((r) => r.runId);
  const at = runtime.clock.now().toISOString();
  for (const runId of targets) {
    await runtime.ledger.updateRun(runId, (run) => {
      const { failed: _failed, ...rest } = run;
      return { ...rest, updatedAt: at };
    });
  }
  return targets;
}

export function registerRetry(program: Command, setCode: (code: number) => void): void {
  program
    .command('retry')
    .description('clear the failed mark of runs (default: every failed run) and run a pass, which picks them up where they stopped')
    .argument('[runs...]', 'run ids to retry')
    .action(async (runs: string[]) => {
      await withRuntime(async (runtime) => {
        const cleared = await clearFailures(runtime, runs);
        console.log(cleared.length ? `retrying ${cleared.join(', ')}` : 'no failed runs to retry');
        const { ok, text } = await runOnce(runtime);
        console.log(text);
        setCode(ok ? 0 : 1);
      });
    });
}
