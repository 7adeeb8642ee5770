/**
 * Parsing of landed files by format (jobs/ingest/landed-file.ts): the text
 * formats here; Parquet, which needs an independent writer (DuckDB), in
 * test/adapters/landed-file-parquet.test.ts.
 */
import { gzipSync } from 'node:zlib';
import { parseLandedFile } from '../../jobs/ingest/landed-file';
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
    await expect(parseLandedFile('a.json', Buffer.from('[1]'))).rejects.toThrow(/row 1 is not an object/);
    await expect(parseLandedFile('a.json', Buffer.from('[{"A b": 1}]'))).rejects.toThrow(/bad column name "A b"/);
    await expect(parseLandedFile('a.json', Buffer.from('[{"a": [1]}]'))).rejects.toBeInstanceOf(TerminalError);
  });
});
