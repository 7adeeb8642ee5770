import { TerminalError } from '../../jobs/lib/core/errors';
import type { PgClient } from '../../jobs/lib/adapters/postgres/pg-client';
import { PgSourceDb } from '../../jobs/lib/adapters/postgres/pg-source-db';
import { CopyJsonLines, isoMillis, type CopyColumn } from '../../jobs/lib/adapters/postgres/copy-text';
import type { RawLinePage, RawRow } from '../../jobs/lib/core/ports';

/** COPY text escaping as PostgreSQL writes it (docs, COPY → Text Format), written independently of the module. */
function copyEscape(value: string): string {
  return value.replace(
    /[\\\n\r\t\b\f\v]/g,
    (ch) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f', '\v': '\\v' })[ch]!,
  );
}

const columns: CopyColumn[] = [
  { name: 'id', kind: 'int' },
  { name: 'name', kind: 'text' },
  { name: 'ratio', kind: 'float' },
  { name: 'ok', kind: 'bool' },
  { name: 'created_at', kind: 'timestamp' },
  { name: 'price', kind: 'text' },
  { name: 'last_updated', kind: 'timestamp' },
];

/** Rows as COPY fields (text output) and the raw row each one must become. */
const cases: { fields: string[]; row: RawRow }[] = [
  {
    fields: ['1', 'plain', '1.5', 't', '2022-11-03 14:20:52.186', '3.94', '2022-11-03 14:20:52.186'],
    row: {
      id: 1,
      name: 'plain',
      ratio: 1.5,
      ok: true,
      created_at: '2022-11-03T14:20:52.186',
      price: '3.94',
      last_updated: '2022-11-03T14:20:52.186',
    },
  },
  {
    fields: ['-2', '\\N', '\\N', 'f', '2022-11-03 14:20:52', '\\N', '2022-11-03 14:20:52.18'],
    row: {
      id: -2,
      name: null,
      ratio: null,
      ok: false,
      created_at: '2022-11-03T14:20:52.000',
      price: null,
      last_updated: '2022-11-03T14:20:52.180',
    },
  },
  {
    fields: [
      '3',
      copyEscape('tab\there\nnew "quoted" back\\slash \r\b\f\v'),
      'NaN',
      't',
      '2022-11-03 14:20:52.123456',
      '0.00',
      '2023-01-01 00:00:00.5',
    ],
    row: {
      id: 3,
      name: 'tab\there\nnew "quoted" back\\slash \r\b\f\v',
      ratio: Number.NaN,
      ok: true,
      created_at: '2022-11-03T14:20:52.123',
      price: '0.00',
      last_updated: '2023-01-01T00:00:00.500',
    },
  },
  {
    fields: [
      '4',
      'ctrl \u0001\u001f del \u007f é 😀 \u2028 end',
      'Infinity',
      'f',
      'infinity',
      '-12.5',
      '2025-02-25 13:26:09.875',
    ],
    row: {
      id: 4,
      name: 'ctrl \u0001\u001f del \u007f é 😀 \u2028 end',
      ratio: Infinity,
      ok: false,
      created_at: 'infinity',
      price: '-12.5',
      last_updated: '2025-02-25T13:26:09.875',
    },
  },
  {
    fields: ['5', '', '-0.25', 't', '2022-11-03 14:20:52 BC', copyEscape('\\N'), '2025-02-25 13:26:09.875'],
    row: {
      id: 5,
      name: '',
      ratio: -0.25,
      ok: true,
      created_at: '2022-11-03 14:20:52 BC',
      price: '\\N',
      last_updated: '2025-02-25T13:26:09.875',
    },
  },
];

const copyText = Buffer.from(cases.map((c) => `${c.fields.join('\t')}\n`).join(''));

/** The raw row's JSON as JSON.stringify writes it (NaN and Infinity become null). */
const json = (row: RawRow) => JSON.stringify(row);

function render(chunks: Buffer[], pageRows = 1000, key = [0], lastUpdated = 6): RawLinePage[] {
  const lines = new CopyJsonLines({ columns, keyIndexes: key, lastUpdatedIndex: lastUpdated, pageRows });
  return [...chunks.flatMap((c) => lines.push(c)), ...lines.end()];
}

/** Every line of some pages, as strings without their newline. */
function linesOf(pages: RawLinePage[]): string[] {
  return pages.flatMap((p) =>
    p.starts.map((start, i) => p.text.toString('utf8', start, i + 1 < p.starts.length ? p.starts[i + 1] : p.text.length)),
  );
}

describe('COPY text values', () => {
  test('writes timestamps with a T and exactly three fraction digits, truncating', () => {
    expect(isoMillis('2022-11-03 14:20:52')).toBe('2022-11-03T14:20:52.000');
    expect(isoMillis('2022-11-03 14:20:52.5')).toBe('2022-11-03T14:20:52.500');
    expect(isoMillis('2022-11-03 14:20:52.186')).toBe('2022-11-03T14:20:52.186');
    expect(isoMillis('2022-11-03 14:20:52.999999')).toBe('2022-11-03T14:20:52.999');
    expect(isoMillis('infinity')).toBe('infinity');
  });
});

/**
 * A server PgClient that answers PgSourceDb's catalog queries for one table
 * with the columns above (key `id`) and serves `chunks` as its COPY output;
 * `statements` records what was run outside queries.
 */
function copyServer(chunks: () => AsyncIterable<Buffer>): { db: PgClient; statements: string[] } {
  const types: Record<string, string> = {
    int: 'integer',
    text: 'text',
    float: 'double precision',
    bool: 'boolean',
    timestamp: 'timestamp without time zone',
  };
  const statements: string[] = [];
  const db = {
    kind: 'postgres',
    async query(sql: string) {
      if (sql.includes('pg_index')) return [{ name: 'id' }];
      if (sql.includes('information_schema.columns')) {
        return columns.map((c) => ({
          name: c.name,
          data_type: c.name === 'price' ? 'numeric' : types[c.kind],
          is_nullable: 'YES',
        }));
      }
      throw new Error(`unexpected query: ${sql}`);
    },
    async exec(sql: string) {
      statements.push(sql);
    },
    // Like the real client, the COPY runs when the stream is first read.
    async *copyOut(sql: string) {
      statements.push(sql);
      yield* chunks();
    },
  } as unknown as PgClient;
  return { db, statements };
}

/** The rows of every page of a stream of raw lines, each line parsed as JSON. */
async function parsedPages(pages: AsyncIterable<RawLinePage>): Promise<RawRow[][]> {
  const out: RawRow[][] = [];
  for await (const page of pages) out.push(linesOf([page]).map((line) => JSON.parse(line) as RawRow));
  return out;
}

describe('PgSourceDb.streamChangedLines over server COPY text (a fake client)', () => {
  test('parses the COPY stream into raw rows, in pages, however it is cut', async () => {
    const { db, statements } = copyServer(async function* () {
      yield copyText.subarray(0, 17);
      yield copyText.subarray(17);
    });
    const pages = await parsedPages(new PgSourceDb(db).streamChangedLines('t', null, 2));
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat().map(json)).toEqual(cases.map((c) => json(c.row)));
    // One COPY of the changed rows, inside a read-only snapshot with ISO dates.
    expect(statements).toEqual([
      'begin transaction isolation level repeatable read, read only',
      "set local datestyle to 'ISO, YMD'",
      expect.stringMatching(/^copy \(select .* where t\."last_updated" is not null\) to stdout$/),
      'commit',
    ]);
  });

  test('rejects a row with the wrong number of fields and output that stops inside a row, rolling back', async () => {
    const bad = copyServer(async function* () {
      yield Buffer.from('1\tonly two\n');
    });
    await expect(parsedPages(new PgSourceDb(bad.db).streamChangedLines('t', null, 10))).rejects.toThrow(TerminalError);
    expect(bad.statements.at(-1)).toBe('rollback');
    const cut = copyServer(async function* () {
      yield copyText.subarray(0, copyText.length - 3);
    });
    await expect(parsedPages(new PgSourceDb(cut.db).streamChangedLines('t', null, 10))).rejects.toThrow(/ended inside a row/);
    expect(cut.statements.at(-1)).toBe('rollback');
  });
});

describe('CopyJsonLines', () => {
  test('each line is exactly JSON.stringify of the raw row, with its stamp and key', () => {
    const pages = render([copyText]);
    expect(linesOf(pages)).toEqual(cases.map((c) => `${json(c.row)}\n`));
    expect(pages.flatMap((p) => p.lastUpdated)).toEqual(cases.map((c) => c.row.last_updated));
    expect(pages.flatMap((p) => p.keys)).toEqual(cases.map((c) => String(c.row.id)));
  });

  test('gives the same bytes however the stream is cut', () => {
    const whole = Buffer.concat(render([copyText]).map((p) => p.text));
    for (let cut = 1; cut < copyText.length; cut++) {
      const pages = render([copyText.subarray(0, cut), copyText.subarray(cut)]);
      expect([cut, Buffer.concat(pages.map((p) => p.text)).equals(whole)]).toEqual([cut, true]);
    }
    const byteByByte = render([...copyText].map((b) => Buffer.from([b])));
    expect(Buffer.concat(byteByByte.map((p) => p.text)).equals(whole)).toBe(true);
  });

  test('pages hold at most pageRows rows, with starts pointing at each line', () => {
    const pages = render([copyText], 2);
    expect(pages.map((p) => p.starts.length)).toEqual([2, 2, 1]);
    for (const page of pages) {
      expect(page.starts[0]).toBe(0);
      for (const start of page.starts.slice(1)) expect(page.text[start - 1]).toBe(0x0a);
    }
  });

  test('key text: the value for a text key, the JSON array for a composite key', () => {
    const byName = render([copyText], 1000, [1]).flatMap((p) => p.keys);
    expect(byName[0]).toBe('plain');
    expect(byName[2]).toBe(cases[2].row.name);
    const composite = render([copyText], 1000, [0, 1]).flatMap((p) => p.keys);
    expect(composite).toEqual(cases.map((c) => JSON.stringify([c.row.id, c.row.name])));
  });

  test('a row longer than a page buffer gets a page of its own', () => {
    const long = 'x'.repeat(3 << 20);
    const text = Buffer.from(`1\t${long}\t1\tt\t2022-11-03 14:20:52\t1\t2022-11-03 14:20:52\n${copyText.toString()}`);
    const lines = linesOf(render([text]));
    expect(lines).toHaveLength(cases.length + 1);
    expect(JSON.parse(lines[0]).name).toBe(long);
  });

  test('rejects a row with the wrong number of fields and output that stops inside a row', () => {
    expect(() => render([Buffer.from('1\ttwo\n')])).toThrow(TerminalError);
    expect(() => render([Buffer.from(`${copyText.toString()}1\t2\t3\t4\t5\t6\t7\t8\n`)])).toThrow(TerminalError);
    expect(() => render([copyText.subarray(0, copyText.length - 1)])).toThrow(/ended inside a row/);
  });
});
