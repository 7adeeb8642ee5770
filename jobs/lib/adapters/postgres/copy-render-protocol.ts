/**
 * The messages between {@link CopyRenderPool} (copy-render-pool.ts) and its
 * worker threads (copy-render-worker.ts), and how a rendered page crosses
 * between them: its text buffer is transferred (moved, not copied), its
 * per-row arrays are copied by the structured clone.
 */
import type { RawLinePage } from '../../core/ports';
import type { CopyLayout } from './copy-text';

/** Pool → worker. */
export type RenderRequest = { type: 'start'; layout: CopyLayout } | { type: 'chunk'; chunk: Uint8Array } | { type: 'end' };

/** A rendered page as it crosses the thread boundary (text as a plain Uint8Array). */
export type PageMessage = Omit<RawLinePage, 'text'> & { text: Uint8Array };

/** Worker → pool: the pages a chunk completed (and the chunk's size), the last pages, or the failure that ended the stream. */
export type RenderReply =
  | { type: 'pages'; pages: PageMessage[]; bytes: number }
  | { type: 'done'; pages: PageMessage[] }
  | { type: 'failed'; name: string; message: string };

/**
 * A page ready to post with its text buffer in the transfer list: the text
 * of a page that CopyJsonLines cut from the start of a buffer of its own
 * (larger than Buffer's pool slabs, at most four times the text) is moved as
 * it is; any other text is copied into a buffer of its own first, so a
 * transfer never takes a shared or mostly empty buffer with it.
 */
export function transferablePage(page: RawLinePage): PageMessage {
  const { text } = page;
  const size = text.buffer.byteLength;
  const own = text.byteOffset === 0 && size > Buffer.poolSize && size <= 4 * text.length;
  return { ...page, text: own ? new Uint8Array(text.buffer, 0, text.length) : new Uint8Array(text) };
}

/** The RawLinePage of a page that crossed the boundary (its text viewed as a Buffer, not copied). */
export function receivedPage(page: PageMessage): RawLinePage {
  return { ...page, text: Buffer.from(page.text.buffer, page.text.byteOffset, page.text.byteLength) };
}
