/**
 * Worker-thread entry of {@link CopyRenderPool} (copy-render-pool.ts): renders
 * the COPY text of one stream at a time into raw-zone JSON line pages with
 * {@link CopyJsonLines}, off the main thread.
 *
 * Messages (copy-render-protocol.ts): `start` with the stream's layout, then
 * `chunk`s of COPY text, then `end`. Every `chunk` is answered with one
 * `pages` message (possibly with no pages) and `end` with a `done`, so the
 * pool always knows how much input is still being rendered. A failure is
 * answered with `failed` and the stream is over; the next `start` begins a
 * fresh one.
 */
import { parentPort } from 'node:worker_threads';
import { CopyJsonLines } from './copy-text';
import { transferablePage, type RenderReply, type RenderRequest } from './copy-render-protocol';

const port = parentPort;
if (!port) throw new Error('copy-render-worker.ts runs only as a worker thread');

let lines: CopyJsonLines | undefined;

/** Posts rendered pages, handing over their text buffers instead of copying them. */
function reply(message: RenderReply): void {
  const transfer = 'pages' in message ? message.pages.map((page) => page.text.buffer as ArrayBuffer) : [];
  port!.postMessage(message, transfer);
}

port.on('message', (request: RenderRequest) => {
  try {
    switch (request.type) {
      case 'start':
        lines = new CopyJsonLines(request.layout);
        return;
      case 'chunk': {
        if (!lines) throw new Error('COPY text arrived before the stream started');
        const chunk = Buffer.from(request.chunk.buffer, request.chunk.byteOffset, request.chunk.byteLength);
        reply({ type: 'pages', pages: lines.push(chunk).map(transferablePage), bytes: chunk.length });
        return;
      }
      case 'end': {
        if (!lines) throw new Error('the stream ended before it started');
        const pages = lines.end().map(transferablePage);
        lines = undefined;
        reply({ type: 'done', pages });
        return;
      }
    }
  } catch (error) {
    lines = undefined;
    const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    reply({ type: 'failed', name, message });
  }
});
