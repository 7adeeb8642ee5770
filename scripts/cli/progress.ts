/**
 * Progress of long CLI work (seeding, and each step of a pass as the local
 * event bus delivers it), rendered with listr2: a live task list on a
 * terminal, plain lines (listr2's simple renderer) when stdout is not a
 * terminal (pipes, cron logs, CI), and nothing at all for `--json`.
 *
 * The jobs only report {@link ProgressEvent}s through a listener
 * (jobs/lib/runtimes/local/event-bus.ts); this file is the only place that
 * knows how they are shown.
 */
import { Listr } from 'listr2';
import type { ProgressEvent, ProgressListener } from '../../jobs/lib/runtimes/local/event-bus';
import { stageLabel } from './summary';
import { formatRows } from './text-table';

/** How progress is shown: a live list (`tty`), one line per event (`plain`), or not at all (`silent`). */
export type ProgressMode = 'tty' | 'plain' | 'silent';

/**
 * The mode for a command: `silent` when it prints JSON (stdout holds the JSON
 * and nothing else), `tty` when stdout is a terminal with a known width,
 * `plain` otherwise (a pipe, a file, or a pseudo-terminal reporting 0 columns,
 * where a live list would wrap at every character).
 */
export function progressMode(options: { json?: boolean; isTTY?: boolean; columns?: number } = {}): ProgressMode {
  if (options.json) return 'silent';
  const tty = options.isTTY ?? Boolean(process.stdout.isTTY);
  const columns = options.columns ?? process.stdout.columns ?? 0;
  return tty && columns > 0 ? 'tty' : 'plain';
}

/** Seconds as the CLI prints them: `0.42s`. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // a step may fail before its task awaits it: not an unhandled rejection
  return { promise, resolve, reject };
}

/** What a task body changes on its listr2 task: the title, and one line of output below it. */
interface Task {
  title: string;
  output: string;
}

/** Progress display of one command. Call {@link Progress.done} before printing anything else. */
export class Progress {
  private rendering: Promise<void> = Promise.resolve();
  private step?: { done: Deferred; task?: Task; lines: string[]; finishedTitle?: string };

  constructor(readonly mode: ProgressMode) {}

  /**
   * Shows `title` while `fn` runs; `fn` reports finer progress (one line per
   * table, say) through `report`. Resolves or rejects as `fn` does; the task's
   * final title is `done(result)` when given.
   */
  async task<T>(title: string, fn: (report: (line: string) => void) => Promise<T>, done?: (result: T) => string): Promise<T> {
    await this.rendering;
    if (this.mode === 'silent') return fn(() => undefined);
    let outcome: { value: T } | { error: unknown } | undefined;
    await this.list(title, async (task) => {
      const started = performance.now();
      try {
        const value = await fn((line) => {
          task.output = line;
        });
        outcome = { value };
        task.title = `${done ? done(value) : title} [${seconds(performance.now() - started)}]`;
      } catch (error) {
        outcome = { error };
        throw error;
      }
    }).catch(() => undefined);
    if (!outcome) throw new Error(`progress: task "${title}" did not run`);
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }

  /** A listener for `runPass`: one task per delivered step, a line per table the step reports. */
  readonly listener: ProgressListener = (event: ProgressEvent) => {
    if (this.mode === 'silent') return;
    if (event.type === 'step-started') {
      const step: NonNullable<Progress['step']> = { done: deferred(), lines: [] };
      this.step = step;
      const title = stageLabel(event);
      this.rendering = this.rendering.then(() =>
        this.list(title, async (task) => {
          step.task = task;
          for (const line of step.lines) task.output = line;
          await step.done.promise;
          if (step.finishedTitle) task.title = step.finishedTitle;
        }).catch(() => undefined),
      );
    } else if (event.type === 'table-done') {
      const line = `${event.table}: ${formatRows(event.rows)}${event.step === 'load' ? ' new or changed' : ''}`;
      const step = this.step;
      if (!step) return;
      step.lines.push(line);
      if (step.task) step.task.output = line;
    } else {
      const step = this.step;
      if (!step) return;
      const { delivery } = event;
      step.finishedTitle = `${stageLabel(delivery)} [${seconds(delivery.ms)}]`;
      if (delivery.error) step.done.reject(new Error(delivery.error));
      else step.done.resolve();
      this.step = undefined;
    }
  };

  /** Waits until everything reported so far has been rendered. */
  async done(): Promise<void> {
    await this.rendering;
  }

  private async list(title: string, fn: (task: Task) => Promise<void>): Promise<void> {
    await new Listr(
      [
        {
          title,
          task: (_ctx, task) => fn(task as unknown as Task),
          rendererOptions: { outputBar: 1, persistentOutput: false },
        },
      ],
      {
        renderer: 'default',
        fallbackRenderer: 'simple',
        fallbackRendererCondition: this.mode === 'plain',
        // The commands handle Ctrl-C themselves (watch stops, run says it was interrupted).
        registerSignalListeners: false,
      },
    ).run();
  }
}
