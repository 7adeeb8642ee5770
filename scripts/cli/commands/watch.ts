/**
 * `lakehouse watch`: the local schedule, until interrupted.
 *
 * - capture mode `watermark`: `--every <duration>` is required; a pass every interval;
 * - capture mode `cdc` (README "Change capture"): streams: one runtime stays
 *   open, and after each pass the source's replication slot is polled
 *   (every {@link POLL_MS} ms, and only when the source's WAL position moved)
 *   until a committed change waits, which starts the next pass at once;
 *   `--every` then only bounds the time between passes (freshness checks go on
 *   while the source is quiet).
 */
import { type Command, InvalidArgumentError } from 'commander';
import { parseDuration } from '../../../jobs/lib/core/duration';
import { localChangeCapture } from '../../../jobs/lib/runtimes/local/local-change-capture';
import type { LocalRuntime } from '../../../jobs/lib/runtimes/local/local-runtime';
import { readSettings } from '../../../jobs/lib/runtimes/local/settings';
import { withRuntime } from '../with-runtime';
import { interruptible } from '../interruptible';
import { runOnce } from './run';
import { EXIT, passExitCode } from '../exit-codes';
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

/** How often streaming watch looks at the source's WAL position, in milliseconds. */
export const POLL_MS = 100;
/** The longest streaming watch waits without a pass when `--every` is not given (freshness checks), in milliseconds. */
const STREAM_IDLE_MS = 5 * 60_000;

/** A wait that a Ctrl-C ends at once. */
interface Waiter {
  stop: boolean;
  wake: () => void;
  sleep: (ms: number) => Promise<void>;
}

function waiter(): Waiter {
  const w: Waiter = {
    stop: false,
    wake: () => undefined,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        w.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
  };
  process.once('SIGINT', () => {
    w.stop = true;
    w.wake(); // Ctrl-C during the wait stops at once, not after it
  });
  return w;
}

/**
 * Waits until the slot has a committed change, `maxMs` passed, or a stop.
 * The slot is peeked only when the source's WAL position moved since the last look.
 */
async function untilChange(runtime: LocalRuntime, w: Waiter, maxMs: number): Promise<void> {
  const capture = await localChangeCapture(runtime);
  const db = await runtime.sourceClient();
  const until = Date.now() + maxMs;
  let seen = '';
  while (!w.stop && Date.now() < until) {
    const [{ lsn }] = await db.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
    if (lsn !== seen) {
      seen = lsn;
      if (await capture.pending()) return;
    }
    await w.sleep(Math.min(POLL_MS, Math.max(0, until - Date.now())));
  }
}

export function registerWatch(program: Command, setCode: (code: number) => void): void {
  program
    .command('watch')
    .description(
      'run a pass now and then every interval (the local stand-in for the EventBridge schedule); with LAKEHOUSE_CAPTURE=cdc, a pass as soon as the source commits a change; Ctrl-C stops',
    )
    .option('--every <duration>', 'interval with a unit, e.g. 30s, 5m, 1h (required unless LAKEHOUSE_CAPTURE=cdc)', (text) =>
      commanderArg(() => parseDuration(text, { name: '--every' })),
    )
    .option('--passes <n>', 'stop after this many passes, at least 1 (default: run until interrupted)', passes)
    .action(async (options: { every?: number; passes?: number }) => {
      let streaming: boolean;
      try {
        streaming = readSettings().capture === 'cdc';
      } catch (error) {
        console.error(`watch: ${error instanceof Error ? error.message : String(error)}`);
        setCode(EXIT.usage);
        return;
      }
      if (!streaming && options.every === undefined) {
        console.error(
          "error: required option '--every <duration>' not specified (or set LAKEHOUSE_CAPTURE=cdc to stream changes)",
        );
        setCode(EXIT.usage);
        return;
      }
      const limit = options.passes ?? Infinity;
      const w = waiter();
      let failed = false;
      let alertNotSent = false;
      let signalCode: number | undefined; // set when a pass was interrupted: watch exits with the signal's code
      let pass = 0;
      /** One pass on `runtime`, printed; false when interrupted. */
      const onePass = async (runtime: LocalRuntime): Promise<boolean> => {
        pass++;
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
        if (interrupted) w.stop = true;
        return !interrupted;
      };
      while (pass < limit && !w.stop) {
        const before = pass;
        try {
          if (streaming) {
            // One runtime for the whole stream: opening one per change would cost more than the pass.
            await withRuntime(async (runtime) => {
              while (pass < limit && !w.stop && (await onePass(runtime))) {
                if (pass < limit) await untilChange(runtime, w, options.every ?? STREAM_IDLE_MS);
              }
            });
          } else {
            await withRuntime(async (runtime) => void (await onePass(runtime)));
            if (pass < limit && !w.stop) await w.sleep(options.every!);
          }
        } catch (error) {
          // One failed pass (a database down for a moment) does not end the schedule: say so, try again next time.
          failed = true;
          if (pass === before) pass++; // it failed before its pass started (the runtime could not open): it still counts
          console.error(
            `[${new Date().toISOString()}] pass ${pass} failed: ${error instanceof Error ? error.message : String(error)}`,
          );
          if (pass < limit && !w.stop) await w.sleep(options.every ?? 5_000);
        }
      }
      if (w.stop) console.log('watch stopped (Ctrl-C); the next run resumes where this one ended');
      setCode(signalCode ?? passExitCode({ ok: !failed, alertNotSent }));
    });
}
