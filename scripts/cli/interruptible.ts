/**
 * Commands that run a pass (`run`, `retry`, `watch`) stop on SIGINT (Ctrl-C)
 * or SIGTERM at the next safe point, between two steps of the chain, say so,
 * and exit with the signal's code: 130 for SIGINT, 143 for SIGTERM (a second
 * signal stops at once). jobs/lib/runtimes/local/stop-signals.ts holds the
 * mechanism; this file is what the user sees.
 */
import type { LocalRuntime } from '../../jobs/lib/runtimes/local/local-runtime';
import { PassInterrupted, signalExitCode, stoppingAtSafePoint } from '../../jobs/lib/runtimes/local/stop-signals';

/** The lines printed when a pass was interrupted. */
export function interruptedMessage(interrupted: PassInterrupted): string {
  const where = interrupted.lastRoute ? ` after step ${interrupted.lastRoute}` : ' before its first step';
  return (
    `run interrupted by ${interrupted.signal}${where}; what the finished steps wrote is kept.\n` +
    'The next `lakehouse run` resumes it where it stopped.'
  );
}

/**
 * Runs `fn` (which runs a pass on `runtime`) with SIGINT and SIGTERM stopping
 * it at the next safe point. When interrupted, prints {@link interruptedMessage}
 * on stderr, sets the exit code to the signal's (130, 143) and returns the
 * interruption; otherwise returns undefined. A signal that came during the
 * last step, when the pass completed anyway, is said and also sets the
 * signal's exit code. Other errors are rethrown.
 */
export async function interruptible(
  runtime: LocalRuntime,
  setCode: (code: number) => void,
  fn: () => Promise<void>,
): Promise<PassInterrupted | undefined> {
  try {
    await stoppingAtSafePoint(runtime.bus, fn);
    const signal = runtime.bus.stopRequested;
    if (signal) {
      // The signal came during the pass's last step: nothing was left to stop, but it still ends with the signal's code.
      console.error(`${signal} received during the last step; the run completed before it could stop.`);
      setCode(signalExitCode(signal));
    }
    return undefined;
  } catch (error) {
    if (!(error instanceof PassInterrupted)) throw error;
    console.error(interruptedMessage(error));
    setCode(error.exitCode);
    return error;
  }
}
