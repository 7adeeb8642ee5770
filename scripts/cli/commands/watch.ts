/** `lakehouse watch --every <duration>`: the local schedule: a pass every interval until interrupted. */
import { type Command, InvalidArgumentError } from 'commander';
import { parseDuration } from '../../../jobs/lib/core/duration';
import { withRuntime } from '../with-runtime';
import { interruptible } from '../interruptible';
import { runOnce } from './run';
import { passExitCode } from '../exit-codes';
import { progressMode } from '../progress';

/** Runs a parser for commander, turning its error into commander's own (printed with the usage, exit 1). */
function commanderArg<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

/** `--passes`: a whole number of at least 1. */
function passes(text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1)
    throw new InvalidArgumentError(`--passes: a whole number of at least 1, got ${JSON.stringify(text)}`);
  return Number(text);
}

export function registerWatch(program: Command, setCode: (code: number) => void): void {
  program
    .command('watch')
    .description('run a pass now and then every interval (the local stand-in for the EventBridge schedule); Ctrl-C stops')
    .requiredOption('--every <duration>', 'interval with a unit, e.g. 30s, 5m, 1h', (text) =>
      commanderArg(() => parseDuration(text, { name: '--every' })),
    )
    .option('--passes <n>', 'stop after this many passes, at least 1 (default: run until interrupted)', passes)
    .action(async (options: { every: number; passes?: number }) => {
      const everyMs = options.every;
      const limit = options.passes ?? Infinity;
      let stop = false;
      let wake: () => void = () => undefined;
      process.once('SIGINT', () => {
        stop = true;
        wake(); // Ctrl-C during the wait stops at once, not after it
      });
      let failed = false;
      let alertNotSent = false;
      let signalCode: number | undefined; // set when a pass was interrupted: watch exits with the signal's code
      for (let pass = 1; pass <= limit && !stop; pass++) {
        try {
          await withRuntime(async (runtime) => {
            const interrupted = await interruptible(
              runtime,
              (code) => (signalCode = code),
              async () => {
                const { ok, text, alertNotSent: notSent } = await runOnce(runtime, { progress: progressMode() });
                console.log(`[${new Date().toISOString()}] pass ${pass}\n${text}`);
                failed ||= !ok;
                alertNotSent ||= !!notSent;
              },
            );
            if (interrupted) stop = true;
          });
        } catch (error) {
          // One failed pass (a database down for a moment) does not end the schedule: say so, try again next time.
          failed = true;
          console.error(
            `[${new Date().toISOString()}] pass ${pass} failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        if (pass < limit && !stop) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, everyMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      }
      if (stop) console.log('watch stopped (Ctrl-C); the next run resumes where this one ended');
      setCode(signalCode ?? passExitCode({ ok: !failed, alertNotSent }));
    });
}
