import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDbCatalog, type CrawlReport } from '../../jobs/lib/adapters/duckdb/duckdb-catalog';
import { execSql, openDuckDb, queryRows } from '../../jobs/lib/adapters/duckdb/duckdb';
import type { Zone } from '../../jobs/lib/definition/zones';
import { tempDirs } from '../support/temp-dirs';

const tempDir = tempDirs();
/** Folders made beside a temporary one (not tracked by tempDirs), removed after the suite. */
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('DuckDbCatalog (the local crawler)', () => {
  let home: string;
  const zoneRoot = (zone: Zone) => join(home, zone);
  const writeRaw = (table: string, run: string, lines: (object | string)[]) => {
    const dir = join(home, 'raw', table, `run_id=${run}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'part-00000.jsonl.gz'),
      gzipSync(`${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`),
    );
    // The run is recorded: the catalog shows raw partitions whose run has a manifest.
    mkdirSync(join(home, 'raw', '_manifests'), { recursive: true });
    writeFileSync(join(home, 'raw', '_manifests', `${run}.json`), '{}');
  };

  beforeEach(() => {
    home = tempDir('catalog-');
  });

  it('registers raw tables as text columns with run_id partitions, and picks up new columns', async () => {
    const { conn, close } = await openDuckDb();
    const reports: CrawlReport[] = [];
    const catalog = new DuckDbCatalog(conn, zoneRoot, (r) => {
      reports.push(r);
    });
    writeRaw('transaction', '20250225t132609z', [
      // As in the ToteSys dump: a float-ified id, kept as landed.
      '{"transaction_id": 1, "transaction_type": "PURCHASE", "sales_order_id": null, "purchase_order_id": 2.0, "last_updated": "2022-11-03T14:20:52.186"}',
    ]);
    // Not tables: manifests, landing files, rejects.
    mkdirSync(join(home, 'raw', '_manifests'), { recursive: true });
    writeFileSync(join(home, 'raw', '_manifests', '20250225t132609z.json'), '{}');
    mkdirSync(join(home, 'raw', 'landing', 'sales_order'), { recursive: true });
    writeFileSync(join(home, 'raw', 'landing', 'sales_order', 'x.csv'), 'a\n1\n');

    expect(await catalog.crawl('raw')).toBe('completed');
    expect(reports[0].tables).toEqual([{ name: 'transaction', files: 1, partitions: 1, columns: 6 }]);
    const rows = await queryRows(conn, 'select * from raw.transaction');
    expect(rows).toEqual([
      {
        transaction_id: '1',
        transaction_type: 'PURCHASE',
        sales_order_id: null,
        purchase_order_id: '2.0',
        last_updated: '2022-11-03T14:20:52.186',
        run_id: '20250225t132609z',
      },
    ]);

    writeRaw('transaction', '20250226t000000z', [
      {
        transaction_id: 2,
        transaction_type: 'SALE',
        sales_order_id: 5,
        purchase_order_id: null,
        last_updated: '2022-11-04T00:00:00.000',
        note: 'new column',
      },
    ]);
    await catalog.crawl('raw');
    const [table] = await catalog.tables('raw');
    expect(table.partitions).toEqual(['20250225t132609z', '20250226t000000z']);
    expect(table.columns.map((c) => c.name)).toContain('note');
    expect(await queryRows(conn, 'select transaction_id, note from raw.transaction order by run_id')).toEqual([
      { transaction_id: '1', note: null },
      { transaction_id: '2', note: 'new column' },
    ]);
    close();
  });

  it('registers Parquet zones with their types and drops tables whose files are gone', async () => {
    const { conn, close } = await openDuckDb();
    const catalog = new DuckDbCatalog(conn, zoneRoot);
    const dir = join(home, 'cleaned', 'currency', 'run_id=20250225t132609z');
    mkdirSync(dir, { recursive: true });
    await execSql(
      conn,
      `copy (select 1::integer as currency_id, 'GBP' as currency_code, 3.5::decimal(10,2) as x) to '${join(dir, 'part-00000.parquet')}' (format parquet)`,
    );
    await catalog.crawl('cleaned');
    const [table] = await catalog.tables('cleaned');
    expect(table.columns).toEqual([
      { name: 'currency_id', type: 'INTEGER' },
      { name: 'currency_code', type: 'VARCHAR' },
      { name: 'x', type: 'DECIMAL(10,2)' },
      { name: 'run_id', type: 'VARCHAR' },
    ]);
    rmSync(join(home, 'cleaned', 'currency'), { recursive: true });
    await catalog.crawl('cleaned');
    expect(await catalog.tables('cleaned')).toEqual([]);
    close();
  });

  it('names the zones whose views read another folder (a moved home, also a sibling whose name extends it) and re-registers them', async () => {
    const { conn, close } = await openDuckDb();
    try {
      const writeCurrency = async (root: string, code: string) => {
        const dir = join(root, 'cleaned', 'currency', 'run_id=20250225t132609z');
        mkdirSync(dir, { recursive: true });
        await execSql(
          conn,
          `copy (select 1 as currency_id, '${code}' as currency_code) to '${join(dir, 'part-00000.parquet')}' (format parquet)`,
        );
      };
      await writeCurrency(home, 'GBP');
      await new DuckDbCatalog(conn, zoneRoot).crawl('cleaned');
      expect(await new DuckDbCatalog(conn, zoneRoot).staleZones()).toEqual([]);

      // The same catalog opened for a home whose path extends the old one (`…-2`): its views read the old folder.
      const moved = `${home}-2`;
      temps.push(moved);
      await writeCurrency(moved, 'EUR');
      const there = new DuckDbCatalog(conn, (zone) => join(moved, zone));
      expect(await there.staleZones()).toEqual(['cleaned']);
      expect(await queryRows(conn, 'select currency_code from cleaned.currency')).toEqual([{ currency_code: 'GBP' }]);
      expect(await there.reregisterStaleZones()).toEqual(['cleaned']);
      expect(await queryRows(conn, 'select currency_code from cleaned.currency')).toEqual([{ currency_code: 'EUR' }]);
      expect(await there.staleZones()).toEqual([]);
    } finally {
      close();
    }
  });
});
