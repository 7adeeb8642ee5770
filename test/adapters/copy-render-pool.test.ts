/**
 * CopyRenderPool: COPY text rendered on real worker threads gives exactly
 * the pages CopyJsonLines gives on the calling thread, failures come back
 * as the same errors, input is read only as fast as pages are taken, and
 * stopping early or closing leaves nothing running.
 */
import { TerminalError } from '../../jobs/lib/core/errors';
import { CopyRenderPool } from '../../jobs/lib/adapters/postgres/copy-render-pool';
import { CopyJsonLines, type CopyLayout } from '../../jobs/lib/adapters/postgres/copy-text';
import type { RawLinePage } from '../../jobs/lib/core/ports';

const layout: CopyLayout = {
  columns: [
    { name: 'item_id', kind: 'int' },
    { name: 'label', kind: 'text' },
    { name: 'ratio', kind: 'float' },
    { name: 'last_updated', kind: 'timestamp' },
  ],
  keyIndexes: [0],
  lastUpdatedIndex: 3,
  pageRows: 1000,
};

/** COPY text of `rows` rows, with escapes, non-ASCII text and NULLs mixed in. */
function copyText(rows: number): Buffer {
  const lines: string[] = [];
  for (let i = 1; i <= rows; i++) {
    const label = i % 7 === 0 ? '\\N' : `item ${i} \\t "quoted" é 😀 \\\\`;
    lines.push(
      `${i}\t${label}\t${i % 5 === 0 ? '\\N' : i / 8}\t2025-01-0${1 + (i % 9)} 10:00:00.${String(i % 1000).padStart(3, '0')}\n`,
    );
  }
  return Buffer.from(lines.join(''));
}

/** `text` cut into chunks of `size` bytes (cuts fall inside rows and inside UTF-8 characters). */
async function* chunksOf(text: Buffer, size: number, pulled?: { bytes: number; returned: boolean }): AsyncGenerator<Buffer> {
  try {
    for (let at = 0; at < text.length; at += size) {
      const chunk = text.subarray(at, at + size);
      if (pulled) pulled.bytes += chunk.length;
      yield chunk;
    }
  } finally {
    if (pulled) pulled.returned = true;
  }
}

function inline(text: Buffer, size: number): RawLinePage[] {
  const lines = new CopyJsonLines(layout);
  const pages: RawLinePage[] = [];
  for (let at = 0; at < text.length; at += size) pages.push(...lines.push(text.subarray(at, at + size)));
  pages.push(...lines.end());
  return pages;
}

async function collect(pages: AsyncIterable<RawLinePage>): Promise<RawLinePage[]> {
  const out: RawLinePage[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

/** Pages compared by value (text as a string). */
const plain = (pages: RawLinePage[]) => pages.map((p) => ({ ...p, text: p.text.toString('utf8') }));

describe('CopyRenderPool', () => {
  let pool: CopyRenderPool;

  beforeEach(() => {
    pool = new CopyRenderPool();
  });

  afterEach(async () => {
    await pool.close();
  });

  test('renders the same pages as CopyJsonLines, for two streams at once and for a stream after them', async () => {
    const text = copyText(25_000);
    const expected = plain(inline(text, 4093));
    expect(expected.length).toBeGreaterThan(10);
    const [a, b] = await Promise.all([
      collect(pool.render(chunksOf(text, 4093), layout)),
      collect(pool.render(chunksOf(text, 65_536), layout)),
    ]);
    expect(plain(a)).toEqual(expected);
    expect(plain(b)).toEqual(plain(inline(text, 65_536)));
    expect(plain(await collect(pool.render(chunksOf(text, 1000), layout)))).toEqual(expected);
    expect(await collect(pool.render(chunksOf(Buffer.alloc(0), 10), layout))).toEqual([]);
  });

  test('malformed COPY text fails the stream with the TerminalError CopyJsonLines raises; the pool goes on', async () => {
    const bad = Buffer.concat([copyText(10), Buffer.from('11\tonly two fields\n')]);
    const failed = collect(pool.render(chunksOf(bad, 64), layout));
    await expect(failed).rejects.toThrow(TerminalError);
    await expect(failed).rejects.toThrow('COPY row does not have 4 fields');
    await expect(collect(pool.render(chunksOf(copyText(10).subarray(0, 30), 64), layout))).rejects.toThrow(
      'COPY output ended inside a row',
    );
    expect(plain(await collect(pool.render(chunksOf(copyText(10), 64), layout)))).toEqual(plain(inline(copyText(10), 64)));
  });

  test('reads input only as fast as pages are taken, and ends the input when the consumer stops early', async () => {
    const text = copyText(200_000);
    const pulled = { bytes: 0, returned: false };
    const pages = pool.render(chunksOf(text, 16_384, pulled), layout)[Symbol.asyncIterator]();
    expect((await pages.next()).done).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // One page taken: what the waiting pages were rendered from, plus at most a megabyte and a chunk in the worker.
    expect(text.length).toBeGreaterThan(10 << 20);
    expect(pulled.bytes).toBeLessThanOrEqual(2 << 20);
    await pages.return(undefined);
    expect(pulled.returned).toBe(true);
    expect(plain(await collect(pool.render(chunksOf(copyText(100), 64), layout)))).toEqual(plain(inline(copyText(100), 64)));
  });

  test('close() stops a stream in progress and refuses new ones', async () => {
    const pages = pool.render(chunksOf(copyText(200_000), 16_384), layout)[Symbol.asyncIterator]();
    expect((await pages.next()).done).toBe(false);
    await pool.close();
    await expect(collect({ [Symbol.asyncIterator]: () => pages })).rejects.toThrow(/stopped/);
    await expect(collect(pool.render(chunksOf(copyText(1), 64), layout))).rejects.toThrow('closed');
  });
});
