/**
 * Parsing of landed files by format (jobs/ingest/landed-file.ts): the text
 * formats here; Parquet, which needs an independent writer (DuckDB), in
 * test/adapters/landed-file-parquet.test.ts.
 */
import { gzipSync } from 'node:zlib';
import { parseLandedFile, readLandedFile } from '../../jobs/ingest/landed-file';
import { REJECT_ORIGINAL_MAX_CHARS } from '../../jobs/lib/core/line-rejects';
import { RAW_MAX_ROW_BYTES } from '../../jobs/lib/core/raw-part-writer';
import { TerminalError } from '../../jobs/lib/core/errors';

describe('parseLandedFile (text formats)', () => {
  it('reads JSON Lines (gzipped) and CSV, keeping values as landed', async () => {
    await expect(parseLandedFile('a.jsonl.gz', gzipSync('{"a": 2.0}\n\n{"a": "x"}\n'))).resolves.toEqual([{ a: 2 }, { a: 'x' }]);
    await expect(parseLandedFile('a.csv', Buffer.from('a,b\n1,"x,y"\n2,\n'))).resolves.toEqual([
      { a: '1', b: 'x,y' },
      { a: '2', b: null },
    ]);
  });

  it('reads .ndjson and a JSON array, and picks the format by extension whatever its case', async () => {
    await expect(parseLandedFile('A.NDJSON', Buffer.from('{"a": null}\r\n{"a": true}'))).resolves.toEqual([
      { a: null },
      { a: true },
    ]);
    await expect(parseLandedFile('b.json', Buffer.from('[{"a": "1.50"}, {"b": 3}]'))).resolves.toEqual([{ a: '1.50' }, { b: 3 }]);
    await expect(parseLandedFile('c.csv.gz', gzipSync('\uFEFFa\nx\n'))).resolves.toEqual([{ a: 'x' }]);
  });

  it('rejects unsupported types and nested values', async () => {
    await expect(parseLandedFile('a.xlsx', Buffer.from(''))).rejects.toThrow(/unsupported file type/);
    await expect(parseLandedFile('a.json', Buffer.from('[{"a": {"b": 1}}]'))).rejects.toThrow(/nested/);
    await expect(parseLandedFile('a.json', Buffer.from('{"a": 1}'))).rejects.toThrow(/JSON array/);
  });

  it('names the problem of malformed input with a TerminalError', async () => {
    await expect(parseLandedFile('a.jsonl', Buffer.from('{"a": 1}\n{oops\n'))).rejects.toThrow(/line 2 is not JSON/);
    await expect(parseLandedFile('a.json', Buffer.from('[{"a": 1'))).rejects.toThrow(/not JSON/);
    await expect(parseLandedFile('a.csv', Buffer.from('a,b\n"x,1\n'))).rejects.toThrow(/not valid CSV/);
    await expect(parseLandedFile('a.jsonl.gz', Buffer.from('not gzip'))).rejects.toThrow(/not valid gzip/);
    await expect(parseLandedFile('a.json', Buffer.from('[1]'))).rejects.toThrow(/line 1 is not an object/);
    await expect(parseLandedFile('a.json', Buffer.from('[{"A b": 1}]'))).rejects.toThrow(/bad column name "A b"/);
    await expect(parseLandedFile('a.json', Buffer.from('[{"a": [1]}]'))).rejects.toBeInstanceOf(TerminalError);
  });
});

describe('readLandedFile (bad lines are rejected one by one, ON_ERROR = CONTINUE)', () => {
  const latin1 = (text: string) => Buffer.from(text, 'latin1');

  it('keeps the good lines of JSON Lines and rejects each bad one with its line, reason and original text', async () => {
    const body = '{"a": 1}\n{oops\n[1, 2]\n"text"\n{"a": {"b": 1}}\n{"A b": 2}\n\n{"a": "x"}\r\n';
    const file = await readLandedFile('f.jsonl', Buffer.from(body));
    expect(file.rows).toEqual([{ a: 1 }, { a: 'x' }]);
    expect(file.lines).toEqual([1, 8]);
    expect(file.rejects).toEqual([
      { line: 2, reason: expect.stringMatching(/^is not JSON: /), original: '{oops' },
      { line: 3, reason: 'is not an object', original: '[1, 2]' },
      { line: 4, reason: 'is not an object', original: '"text"' },
      { line: 5, reason: 'holds a nested value in column a', original: '{"a": {"b": 1}}' },
      { line: 6, reason: expect.stringMatching(/bad column name "A b"/), original: '{"A b": 2}' },
    ]);
  });

  it('rejects a CSV record with a field too many or too few, or a stray quote, and keeps the rest', async () => {
    const file = await readLandedFile('f.csv', Buffer.from('a,b\n1,2\n3,4,5\n\n6\nx"y,2\n7,\n'));
    expect(file.rows).toEqual([
      { a: '1', b: '2' },
      { a: '7', b: null },
    ]);
    expect(file.rejects).toEqual([
      { line: 3, reason: 'has 3 fields, the header has 2', original: '3,4,5' },
      { line: 5, reason: 'has 1 field, the header has 2', original: '6' },
      { line: 6, reason: expect.stringMatching(/^is not valid CSV: Invalid Opening Quote/), original: 'x"y,2' },
    ]);
  });

  it('rejects a JSON array element that is not a flat object, by its position', async () => {
    const file = await readLandedFile('f.json', Buffer.from('[{"a": 1}, 2, {"b": [1]}, null]'));
    expect(file.rows).toEqual([{ a: 1 }]);
    expect(file.rejects.map((r) => [r.line, r.reason, r.original])).toEqual([
      [2, 'is not an object', '2'],
      [3, 'holds a nested value in column b', '{"b":[1]}'],
      [4, 'is not an object', 'null'],
    ]);
  });

  it('decodes UTF-8 strictly: a line with other bytes is rejected, never altered; latin1 when declared', async () => {
    const body = Buffer.concat([latin1('{"city": "Montréal"}\n'), Buffer.from('{"city": "Zürich"}\n')]);
    const file = await readLandedFile('f.jsonl', body);
    expect(file.rows).toEqual([{ city: 'Zürich' }]);
    expect(file.rejects).toEqual([
      {
        line: 1,
        reason: expect.stringMatching(/not valid UTF-8.*LAKEHOUSE_LANDING_ENCODING=latin1/),
        original: '{"city": "Montr\uFFFDal"}',
      },
    ]);
    const csv = await readLandedFile(
      'f.csv',
      Buffer.concat([Buffer.from('city,n\n'), latin1('Montréal,1\n'), Buffer.from('Zürich,2\n')]),
    );
    expect(csv.rows).toEqual([{ city: 'Zürich', n: '2' }]);
    expect(csv.rejects.map((r) => [r.line, r.original])).toEqual([[2, 'Montr\uFFFDal,1']]);
    const json = await readLandedFile(
      'f.json',
      Buffer.concat([latin1('[{"city": "Montréal"}, '), Buffer.from('{"city": "Zürich"}]')]),
    );
    expect(json.rows).toEqual([{ city: 'Zürich' }]);
    expect(json.rejects.map((r) => r.line)).toEqual([1]);
    const declared = await readLandedFile('f.jsonl', latin1('{"city": "Montréal"}\n'), { encoding: 'latin1' });
    expect(declared).toMatchObject({ rows: [{ city: 'Montréal' }], rejects: [] });
    // A real U+FFFD is kept as landed.
    await expect(readLandedFile('f.jsonl', Buffer.from('{"c": "\uFFFD"}\n'))).resolves.toMatchObject({ rows: [{ c: '\uFFFD' }] });
  });

  it('skips a UTF-8 byte order mark in every format, gzipped or not', async () => {
    const bom = (text: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    for (const [name, text] of [
      ['f.json', '[{"a": "x"}]'],
      ['f.jsonl', '{"a": "x"}\n'],
      ['f.ndjson', '{"a": "x"}'],
      ['f.csv', 'a\nx\n'],
    ]) {
      await expect(readLandedFile(name, bom(text))).resolves.toMatchObject({ rows: [{ a: 'x' }], rejects: [] });
      await expect(readLandedFile(`${name}.gz`, gzipSync(bom(text)))).resolves.toMatchObject({ rows: [{ a: 'x' }], rejects: [] });
    }
    // Also when the file is read as Latin-1 (whose decoder would turn the mark into three characters).
    await expect(readLandedFile('f.csv', bom('a\nx\n'), { encoding: 'latin1' })).resolves.toMatchObject({ rows: [{ a: 'x' }] });
  });

  it(`rejects a row over the raw row limit (${RAW_MAX_ROW_BYTES} bytes) and keeps its neighbours; the original is cut`, async () => {
    const long = 'x'.repeat(RAW_MAX_ROW_BYTES + 10);
    const file = await readLandedFile('f.jsonl', Buffer.from(`{"a": 1}\n{"a": "${long}"}\n{"a": 3}\n`));
    expect(file.rows).toEqual([{ a: 1 }, { a: 3 }]);
    expect(file.rejects).toHaveLength(1);
    expect(file.rejects[0].line).toBe(2);
    expect(file.rejects[0].reason).toMatch(/over the raw row limit of 4194304.*cut to its first 65536/);
    expect(file.rejects[0].original).toHaveLength(REJECT_ORIGINAL_MAX_CHARS);
    // A row whose JSON grows over the limit (escapes) is caught after parsing too.
    const quotes = '""'.repeat(RAW_MAX_ROW_BYTES / 2 + 8); // each `"` becomes `\"` in JSON
    const csv = await readLandedFile('f.csv', Buffer.from(`a\n"${quotes}"\nok\n`));
    expect(csv.rows).toEqual([{ a: 'ok' }]);
    expect(csv.rejects[0].reason).toMatch(/is a row of \d+ bytes, over the raw row limit/);
  });

  it('refuses a file it cannot read at all', async () => {
    await expect(readLandedFile('f.jsonl.gz', gzipSync('{"a": 1}\n').subarray(0, 12))).rejects.toThrow(/not valid gzip/);
    await expect(readLandedFile('f.csv', Buffer.from('A b,c\n1,2\n'))).rejects.toThrow(/CSV header: bad column name "A b"/);
    await expect(readLandedFile('f.csv', Buffer.from('a,a\n1,2\n'))).rejects.toThrow(/column a appears twice/);
    await expect(readLandedFile('f.txt', Buffer.from('a'))).rejects.toThrow(/unsupported file type/);
  });
});
