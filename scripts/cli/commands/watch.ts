/** `lakehouse watch --every <duration>`: the local schedule: a pass every interval until interrupted. */
import type { Command } from 'commander';
import { parseDuration } from '../../../jobs/lib/core/duration';
import { withRuntime } from '../with-runtime';
import { runOnce } from './run';

export function registerWatch(program: Command, setCode: (code: number) => void): void {
  program
    .command('watch')
    .description('run a pass now and then every interval (the local stand-in for the EventBridge schedule); Ctrl-C stops')
    .requiredOption('--every <duration>', 'interval, e.g. 30s, 5m, 1h')
    .option('--passes <n>', 'stop after this many passes (default: run until interrupted)')
    .action(async (options: { every: string; passes?: string }) => {
      const everyMs = parseDuration(options.every);
      const limit = options.passes ? Number(options.passes) : Infinity;
      let stop = false;
      process.once('SIGINT', () => {
        stop = true;
      });
      let failed = false;
      for (let pass = 1; pass <= limit && !stop; pass++) {
        await withRuntime(async (runtime) => {
          const { ok, text } = await runOnce(runtime);
          console.log(`[${new Date().toISOString()}] pass ${pass}\n${text}`);
          failed ||= !ok;
        });
        if (pass < limit && !stop) await new Promise((resolve) => setTimeout(resolve, everyMs));
      }
      setCode(failed ? 1 : 0);
    });
}
