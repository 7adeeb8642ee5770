import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ingest } from '../../jobs/ingest/ingest';
import { FileRunLedger } from '../../jobs/lib/adapters/fs/file-run-ledger';
import { FsObjectStore } from '../../jobs/lib/adapters/fs/fs-object-store';
import { fileLogger } from '../../jobs/lib/adapters/powertools/logger';
import { parseManifest } from '../../jobs/lib/core/manifest';

describe('ingest (landed files become runs)', () => {
  const clock = { now: () => new Date('2025-03-01T10:00:00Z') };
  let dir: string;
  let raw: FsObjectStore;
  let ledger: FileRunLedger;
  let created: string[];
  const logger = () => fileLogger('test', join(dir, 'log.jsonl')).logger;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ingest-'));
    created = [];
    raw = new FsObjectStore('raw', join(dir, 'raw'), (key) => {
      created.push(key);
    });
    ledger = new FileRunLedger(join(dir, 'ledger'));
  });

  it('turns a JSON array like the ToteSys dump into a run with parts, ledger record and manifest (manifest last)', async () => {
    const body = '[{"currency_id": 4, "currency_code": "JPY", "created_at": "2025-03-01T09:00:00.000", "last_updated": "2025-03-01T09:00:00.000"}]';
    await raw.put('landing/currency/new.json', body);
    created.length = 0;
    const result = await ingest({ key: 'landing/currency/new.json' }, { raw, ledger, clock, logger: logger() });
    expect(result).toMatchObject({ status: 'ingested', runId: '20250301t100000z', table: 'currency', rows: 1 });
    const part = gunzipSync(await raw.get('currency/run_id=20250301t100000z/part-00000.jsonl.gz')).toString();
    expect(JSON.parse(part)).toEqual(JSON.parse(body)[0]);
    const manifest = parseManifest(await raw.get('_manifests/20250301t100000z.json'));
    expect(manifest).toMatchObject({ origin: 'ingest', tables: { currency: { rows: 1, files: ['currency/run_id=20250301t100000z/part-00000.jsonl.gz'] } } });
    expect(created.indexOf('_manifests/20250301t100000z.json')).toBeGreaterThan(created.indexOf('currency/run_id=20250301t100000z/part-00000.jsonl.gz'));
    expect((await ledger.getRun('20250301t100000z'))?.stage).toBe('extracted');
    expect(await raw.exists('landing/currency/new.json')).toBe(false);
    expect(await raw.exists('_processed/landing/currency/new.json')).toBe(true);
  });

  it('quarantines a malformed file with its reason, makes no run and loses nothing', async () => {
    await raw.put('landing/sales_order/broken.jsonl', '{"sales_order_id": 1}\n{not json\n');
    const result = await ingest({ key: 'landing/sales_order/broken.jsonl' }, { raw, ledger, clock, logger: logger() });
    expect(result).toMatchObject({ status: 'quarantined' });
    expect(result.status === 'quarantined' && result.reason).toMatch(/line 2 is not JSON/);
    expect((await raw.get('_quarantine/landing/sales_order/broken.jsonl')).toString()).toContain('{not json');
    expect((await raw.get('_quarantine/landing/sales_order/broken.jsonl.error.txt')).toString()).toMatch(/line 2/);
    expect(await ledger.listRuns()).toEqual([]);
    expect(await raw.list('_manifests/')).toEqual([]);
  });

  it('ignores keys outside landing/<table>/', async () => {
    const result = await ingest({ key: 'landing/loose-file.csv' }, { raw, ledger, clock, logger: logger() });
    expect(result.status).toBe('ignored');
  });
});
