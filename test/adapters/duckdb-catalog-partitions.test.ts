/**
 * The local crawler's raw partitions: columns are inferred once per
 * partition from a sample of its files, remembered in the catalog file, and
 * read again only when the partition's files change.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { TerminalError } from '../../jobs/lib/core/errors';
import { openDuckDb, queryRows } from '../../jobs/lib/adapters/duckdb/duckdb';
import { DuckDbCatalog, sampleJsonLinesKeys } from '../../jobs/lib/adapters/duckdb/duckdb-catalog';
import type { Zone } from '../../jobs/lib/definition/zones';

describe('DuckDbCatalog raw partitions', () => {
  let home: string;
  const zoneRoot = (zone: Zone) => join(home, zone);
  const part = (table: string, run: string, file: string) => join(home, 'raw', table, `run_id=${run}`, file);
  const writeRaw = (table: string, run: string, file: string, rows: object[]) => {
    mkdirSync(join(home, 'raw', table, `run_id=${run}`), { recursive: true });
    writeFileSync(part(table, run, file), gzipSync(`${rows.map((r) => JSON.stringify(r)).join('\n')}\n`));
    // The run is recorded: the catalog shows raw partitions whose run has a manifest.
    mkdirSync(join(home, 'raw', '_manifests'), { recursive: true });
    writeFileSync(join(home, 'raw', '_manifests', `${run}.json`), '{}');
  };

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'catalog-partitions-'));
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('infers each partition once, remembers it across catalog instances, and reads a partition again when its files change', async () => {
    const file = join(home, 'catalog.duckdb');
    writeRaw('currency', '20250101t000000z', 'part-00000.jsonl.gz', [
      { currency_id: 1, currency_code: 'GBP', last_updated: '2022-11-03T14:20:49.962' },
    ]);
    let { conn, close } = await openDuckDb(file);
    await new DuckDbCatalog(conn, zoneRoot).crawl('raw');
    close();

    // The first partition's file goes bad; a crawl that does not need to read it again still succeeds.
    writeFileSync(part('currency', '20250101t000000z', 'part-00000.jsonl.gz'), gzipSync('not json\n'));
    writeRaw('currency', '20250102t000000z', 'part-00000.jsonl.gz', [
      { currency_id: 2, currency_code: 'USD', last_updated: '2022-11-04T00:00:00.000', note: 'new' },
    ]);
    ({ conn, close } = await openDuckDb(file));
    const catalog = new DuckDbCatalog(conn, zoneRoot);
    const report = await catalog.crawlZone('raw');
    expect(report.tables).toEqual([{ name: 'currency', files: 2, partitions: 2, columns: 5 }]);
    const columns = async () => (await queryRows(conn, 'describe raw.currency')).map((r) => r.column_name);
    expect(await columns()).toEqual(['currency_id', 'currency_code', 'last_updated', 'note', 'run_id']);
    expect(await queryRows(conn, `select currency_code, note from raw.currency where run_id = '20250102t000000z'`)).toEqual([
      { currency_code: 'USD', note: 'new' },
    ]);

    // A new file in the first partition changes it: it is read again, and the bad file is reported.
    writeRaw('currency', '20250101t000000z', 'part-00001.jsonl.gz', [
      { currency_id: 3, currency_code: 'EUR', last_updated: '2022-11-05T00:00:00.000' },
    ]);
    const error = await catalog.crawlZone('raw').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as Error).message).toMatch(/currency\/run_id=20250101t000000z\/part-00000\.jsonl\.gz line 1 is not JSON/);

    // A table whose files are gone loses its view and what was remembered about it.
    rmSync(join(home, 'raw', 'currency'), { recursive: true });
    expect((await catalog.crawlZone('raw')).dropped).toEqual(['currency']);
    writeRaw('currency', '20250101t000000z', 'part-00000.jsonl.gz', [
      { currency_id: 1, code: 'GBP', last_updated: '2022-11-03T14:20:49.962' },
    ]);
    await catalog.crawlZone('raw');
    expect(await columns()).toEqual(['currency_id', 'code', 'last_updated', 'run_id']);
    close();
  });

  it('samples whole lines from the start of a file, in order of first appearance', async () => {
    mkdirSync(join(home, 'raw'), { recursive: true });
    const path = join(home, 'raw', 'sample.jsonl.gz');
    const lines = [
      JSON.stringify({ a: 1, b: 2 }),
      JSON.stringify({ b: 3, c: 4 }),
      ...Array.from({ length: 1000 }, (_, i) => JSON.stringify({ a: i, pad: 'x'.repeat(200) })),
      JSON.stringify({ late: true }),
    ];
    writeFileSync(path, gzipSync(lines.join('\n')));
    expect(await sampleJsonLinesKeys(path)).toEqual(['a', 'b', 'c', 'pad', 'late']);
    // With a small sample the keys past it are not seen, as with any sampling crawler.
    expect(await sampleJsonLinesKeys(path, 1000)).toEqual(['a', 'b', 'c', 'pad']);
    writeFileSync(path, gzipSync('[1, 2]\n'));
    await expect(sampleJsonLinesKeys(path)).rejects.toThrow(/not a JSON object/);
  });
});
