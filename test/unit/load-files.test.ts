/**
 * Which objects of a run folder the load stages: every data object, with or
 * without an extension (Athena CTAS writes extension-less Parquet objects;
 * DuckDB writes `.parquet`), never hidden names or writes in progress.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from '../../jobs/lib/adapters/fs/fs-object-store';
import { isDataObject } from '../../jobs/lib/definition/object-keys';
import { loadTablesForRun } from '../../jobs/load/load';

const RUN = '20250225t132609z';

describe('the files a load stages', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'load-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes Athena’s extension-less objects and DuckDB’s .parquet files, and nothing else', async () => {
    const store = new FsObjectStore('transformed', dir);
    const folder = `dim_currency/run_id=${RUN}/`;
    for (const name of ['20250225_133955_00021_abcde_7c5e2f', 'data_0.parquet', '_SUCCESS', '.part.crc', 'x.parquet.tmp-1-2']) {
      await store.put(`${folder}${name}`, 'PAR1');
    }
    const tables = await loadTablesForRun(store, RUN);
    expect(tables.find((t) => t.table.name === 'dim_currency')?.files).toEqual([
      `${folder}20250225_133955_00021_abcde_7c5e2f`,
      `${folder}data_0.parquet`,
    ]);
    expect(tables.find((t) => t.table.name === 'dim_date')?.files).toEqual([]);
  });

  it('reads folder markers and hidden names as not data', () => {
    expect(isDataObject('dim_date/run_id=x/')).toBe(false);
    expect(isDataObject('dim_date/run_id=x/_committed_123')).toBe(false);
    expect(isDataObject('dim_date/run_id=x/part-0')).toBe(true);
  });
});
