/**
 * Renders COPY text into raw-zone JSON line pages on worker threads
 * (copy-render-worker.ts), so that the thread reading the database and
 * compressing parts is not also the one rendering every row: at scale that
 * rendering is the largest single cost of an extract (about 1 µs a row).
 *
 * One worker renders one stream at a time; a stream takes an idle worker or
 * starts a new one, and gives it back when it ends. Input is fed with flow
 * control: at most {@link IN_FLIGHT_BYTES} of COPY text is waiting in a
 * worker, and no more is read while rendered pages wait for the consumer, so
 * memory stays bounded however slow the consumer is.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { TerminalError } from '../../core/errors';
import type { RawLinePage } from '../../core/ports';
import { receivedPage, type RenderReply, type RenderRequest } from './copy-render-protocol';
import type { CopyLayout } from './copy-text';

/** COPY text sent to a worker and not yet rendered, at most (bytes). */
const IN_FLIGHT_BYTES = 1 << 20;

/**
 * Starts a render worker from the TypeScript sources, loaded through tsx's
 * require hook as the rest of the local runtime is (the CLI and jest run the
 * sources directly).
 * @throws Error when this module is not running from its .ts source (a
 *   bundle): the Lambda bundles render on the calling thread instead.
 */
function startWorker(): Worker {
  if (!__filename.endsWith('.ts'))
    throw new Error('COPY render workers run only from the TypeScript sources; render inline instead');
  const tsx = require.resolve('tsx/cjs');
  const entry = join(__dirname, 'copy-render-worker.ts');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(entry)});`, { eval: true });
}

/** The error a worker's `failed` reply stands for: TerminalError for bad COPY text, Error otherwise. */
function failure(reply: Extract<RenderReply, { type: 'failed' }>): Error {
  const error = reply.name === 'TerminalError' ? new TerminalError(reply.message) : new Error(reply.message);
  if (reply.name !== 'TerminalError') error.name = reply.name;
  return error;
}

/** One stream's conversation with its worker: queued replies, and a wake-up for whoever waits on them. */
class Conversation {
  readonly pages: RawLinePage[] = [];
  inFlight = 0;
  done = false;
  error?: Error;
  private wake?: () => void;

  constructor(readonly worker: Worker) {
    worker.on('message', this.onMessage);
    worker.on('error', this.onError);
    worker.on('exit', this.onExit);
  }

  private readonly onMessage = (reply: RenderReply) => {
    if (reply.type === 'failed') this.error ??= failure(reply);
    else {
      for (const page of reply.pages) this.pages.push(receivedPage(page));
      if (reply.type === 'pages') this.inFlight -= reply.bytes;
      else this.done = true;
    }
    this.notify();
  };

  private readonly onError = (error: Error) => {
    this.error ??= error;
    this.notify();
  };

  private readonly onExit = (code: number) => {
    this.error ??= new Error(`a COPY render worker stopped (exit code ${code})`);
    this.notify();
  };

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Resolves at the next reply (or failure) of the worker. */
  next(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  send(request: RenderRequest, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(request, transfer);
  }

  /** Stops listening; the worker is reusable only when the stream ended cleanly. */
  detach(): void {
    this.worker.off('message', this.onMessage);
    this.worker.off('error', this.onError);
    this.worker.off('exit', this.onExit);
  }
}

/** Worker threads that render COPY streams; close() stops them. */
export class CopyRenderPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Set<Worker>();
  private closed = false;

  /**
   * The pages of the COPY text `chunks` (PostgreSQL text format, any chunk
   * sizes), as CopyJsonLines renders them for `layout`, in order. Reads
   * `chunks` only as fast as the pages are consumed (module comment).
   * @throws TerminalError for malformed COPY text (as CopyJsonLines); Error
   *   when the pool is closed or a worker fails to start or dies.
   */
  async *render(chunks: AsyncIterable<Buffer>, layout: CopyLayout): AsyncGenerator<RawLinePage> {
    if (this.closed) throw new Error('the COPY render pool is closed');
    const talk = new Conversation(this.take());
    const input = chunks[Symbol.asyncIterator]();
    let reading = true;
    let clean = false;
    try {
      talk.send({ type: 'start', layout });
      for (;;) {
        if (talk.error) throw talk.error;
        const page = talk.pages.shift();
        if (page) {
          yield page;
          continue;
        }
        if (talk.done) break;
        if (reading && talk.inFlight < IN_FLIGHT_BYTES) {
          const next = await input.next();
          if (next.done) {
            reading = false;
            talk.send({ type: 'end' });
          } else {
            // A chunk may be a view of a larger buffer: copy it into one of its own to transfer it.
            const chunk = new Uint8Array(next.value);
            talk.inFlight += chunk.length;
            talk.send({ type: 'chunk', chunk }, [chunk.buffer]);
          }
          continue;
        }
        await talk.next();
      }
      clean = true;
    } finally {
      // Stopped early: let the input finish its own way (a COPY is read out, not abandoned).
      if (reading) await input.return?.();
      talk.detach();
      this.busy.delete(talk.worker);
      // A stream stopped early or failed may leave the worker mid-stream: it is not reused.
      if (clean && !this.closed) {
        talk.worker.unref();
        this.idle.push(talk.worker);
      } else {
        await talk.worker.terminate();
      }
    }
  }

  /** An idle worker, or a new one. */
  private take(): Worker {
    const worker = this.idle.pop() ?? startWorker();
    worker.ref();
    this.busy.add(worker);
    return worker;
  }

  /** Stops every worker, idle or busy (a busy stream then fails). Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.idle.splice(0), ...this.busy];
    this.busy.clear();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
