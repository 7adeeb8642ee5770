/**
 * SIGINT and SIGTERM during a local pass: the first one asks the event bus to
 * stop at its next safe point (between two deliveries, so no step is cut
 * short), the second one stops the process at once. Either way nothing is
 * lost: every step leaves the ledger and the zones consistent at each
 * delivery's end, and a killed step is recovered by the next pass (its sweep
 * and the run lifecycle, docs/architecture.md "Crash recovery").
 */
import { constants } from 'node:os';

/** The signals a pass stops on. */
export type StopSignal = 'SIGINT' | 'SIGTERM';
export const STOP_SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM'];

/** The exit code of a process stopped by `signal`, as a shell reports it: 128 + the signal's number (130 for SIGINT, 143 for SIGTERM). */
export function signalExitCode(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

/** Thrown by the local event bus's `drain` (event-bus.ts) at the safe point after a stop was requested. */
export class PassInterrupted extends Error {
  /**
   * @param signal the signal that asked for the stop
   * @param lastRoute the route of the last delivery made before the stop, if any
   */
  constructor(
    readonly signal: StopSignal,
    readonly lastRoute?: string,
  ) {
    super(`interrupted by ${signal}${lastRoute ? ` after ${lastRoute}` : ''}`);
    this.name = 'PassInterrupted';
  }

  /** The exit code for the signal (see {@link signalExitCode}). */
  get exitCode(): number {
    return signalExitCode(this.signal);
  }
}

/**
 * Runs `fn` with SIGINT and SIGTERM handled as the module comment says: the
 * first one calls `bus.requestStop(signal)` and prints `notice` lines on
 * stderr, a second one exits at once with the signal's exit code. The
 * handlers are removed when `fn` settles (the process's default behaviour,
 * or the caller's own handlers, apply again).
 *
 * @returns what `fn` returns; rethrows what it throws (a {@link PassInterrupted} after a stop)
 */
export async function stoppingAtSafePoint<T>(
  bus: { requestStop(signal: StopSignal): void },
  fn: () => Promise<T>,
  notice: (line: string) => void = (line) => console.error(line),
): Promise<T> {
  let first: StopSignal | undefined;
  const handlers = STOP_SIGNALS.map((signal) => {
    const handler = () => {
      if (first) {
        notice(`${signal} again: stopping now (the next \`lakehouse run\` recovers the interrupted step)`);
        process.exit(signalExitCode(signal));
      }
      first = signal;
      notice(`${signal} received: stopping after the current step (send it again to stop at once)`);
      bus.requestStop(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  try {
    return await fn();
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}
