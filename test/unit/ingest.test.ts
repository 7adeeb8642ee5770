import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ingest } from '../../jobs/ingest/ingest';
import { FileRunLedger } from '../../jobs/lib/adapters/fs/file-run-ledger';
import { FsObjectStore } from '../../jobs/lib/adapters/fs/fs-object-store';
import { fileLogger } from '../../jobs/lib/adapters/powertools/file-logger';
import { parseManifest } from '../../jobs/lib/core/manifest';
import { TerminalError } from '../../jobs/lib/core/errors';
import type { RunRecord } from '../../jobs/lib/core/ports';
import { tempDirs } from '../support/temp-dirs';

const tempDir = tempDirs();

describe('ingest (landed files become runs)', () => {
  const clock = { now: () => new Date('2025-03-01T10:00:00Z') };
  let dir: string;
  let raw: FsObjectStore;
  let ledger: FileRunLedger;
  let created: string[];
  const logger = () => fileLogger('test', join(dir, 'log.jsonl')).logger;

  beforeEach(() => {
    dir = tempDir('ingest-');
    created = [];
    raw = new FsObjectStore('raw', join(dir, 'raw'), (key) => {
      created.push(key);
    });
    ledger = new FileRunLedger(join(dir, 'ledger'));
  });

  it('turns a JSON array like the ToteSys dump into a run with parts, ledger record and manifest (manifest last)', async () => {
    const body =
      '[{"currency_id": 4, "currency_code": "JPY", "created_at": "2025-03-01T09:00:00.000", "last_updated": "2025-03-01T09:00:00.000"}]';
    await raw.put('landing/currency/new.json', body);
    created.length = 0;
    const result = await ingest({ key: 'landing/currency/new.json' }, { raw, ledger, clock, logger: logger() });
    expect(result).toMatchObject({ status: 'ingested', runId: '20250301t100000z', table: 'currency', rows: 1 });
    const part = gunzipSync(await raw.get('currency/run_id=20250301t100000z/part-00000.jsonl.gz')).toString();
    expect(JSON.parse(part)).toEqual(JSON.parse(body)[0]);
    const manifest = parseManifest(await raw.get('_manifests/20250301t100000z.json'));
    expect(manifest).toMatchObject({
      origin: 'ingest',
      tables: { currency: { rows: 1, files: ['currency/run_id=20250301t100000z/part-00000.jsonl.gz'] } },
    });
    expect(created.indexOf('_manifests/20250301t100000z.json')).toBeGreaterThan(
      created.indexOf('currency/run_id=20250301t100000z/part-00000.jsonl.gz'),
    );
    expect((await ledger.getRun('20250301t100000z'))?.stage).toBe('extracted');
    expect(await raw.exists('landing/currency/new.json')).toBe(false);
    expect(await raw.exists('_processed/landing/currency/new.json')).toBe(true);
  });

  it('quarantines a file it cannot read, with its reason, makes no run and loses nothing', async () => {
    await raw.put('landing/sales_order/broken.jsonl.gz', 'not gzip at all');
    const result = await ingest({ key: 'landing/sales_order/broken.jsonl.gz' }, { raw, ledger, clock, logger: logger() });
    expect(result).toMatchObject({ status: 'quarantined', quarantineKey: '_quarantine/landing/sales_order/broken.jsonl.gz' });
    expect(result.status === 'quarantined' && result.reason).toMatch(/not valid gzip/);
    expect((await raw.get('_quarantine/landing/sales_order/broken.jsonl.gz')).toString()).toBe('not gzip at all');
    expect((await raw.get('_quarantine/landing/sales_order/broken.jsonl.gz.error.txt')).toString()).toMatch(/not valid gzip/);
    expect(await ledger.listRuns()).toEqual([]);
    expect(await raw.list('_manifests/')).toEqual([]);
  });

  it('rejects the bad lines of a file with file, line, reason and original text, and ingests the good rows', async () => {
    const key = 'landing/currency/mixed.jsonl';
    await raw.put(key, '{"currency_id": 1, "last_updated": "2025-03-01T09:00:00Z"}\n{not json\n{"currency_id": 3}\n');
    const log = join(dir, 'log.jsonl');
    const result = await ingest({ key }, { raw, ledger, clock, logger: fileLogger('test', log).logger });
    expect(result).toMatchObject({
      status: 'ingested',
      rows: 2,
      rejected: 1,
      rejectsKey: '_rejects/currency/run_id=20250301t100000z/ingest-00000.jsonl',
    });
    const part = gunzipSync(await raw.get('currency/run_id=20250301t100000z/part-00000.jsonl.gz')).toString();
    // The zoned timestamp became the source's zone-less UTC form.
    expect(
      part
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([{ currency_id: 1, last_updated: '2025-03-01T09:00:00' }, { currency_id: 3 }]);
    const rejects = (await raw.get('_rejects/currency/run_id=20250301t100000z/ingest-00000.jsonl')).toString();
    expect(
      rejects
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      {
        run_id: '20250301t100000z',
        table: 'currency',
        stage: 'ingest',
        file: key,
        line: 2,
        reason: expect.stringMatching(/^is not JSON/),
        original: '{not json',
      },
    ]);
    expect(await raw.exists('_processed/landing/currency/mixed.jsonl')).toBe(true);
    const errors = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ message: 'landed lines rejected', rejected: 1 });
  });

  it('quarantines a file whose every line is bad, and any file with a bad line under quarantine_file', async () => {
    await raw.put('landing/currency/all-bad.jsonl', '{x\n[1]\n');
    const all = await ingest({ key: 'landing/currency/all-bad.jsonl' }, { raw, ledger, clock, logger: logger() });
    expect(all).toMatchObject({
      status: 'quarantined',
      reason: expect.stringMatching(/every line was rejected \(2\): line 1: is not JSON/),
    });
    const errorText = (await raw.get('_quarantine/landing/currency/all-bad.jsonl.error.txt')).toString();
    expect(errorText).toMatch(/line 2: is not an object/);
    await raw.put('landing/currency/one-bad.jsonl', '{"currency_id": 1}\n{x\n');
    const settings = { onError: 'quarantine_file' as const, encoding: 'utf-8' as const };
    const strict = await ingest({ key: 'landing/currency/one-bad.jsonl' }, { raw, ledger, clock, logger: logger(), settings });
    expect(strict).toMatchObject({
      status: 'quarantined',
      reason: expect.stringMatching(/1 bad line .*quarantine_file.*line 2/),
    });
    expect(await ledger.listRuns()).toEqual([]);
  });

  it.each([
    ['landing/loose.jsonl', /directly under landing\//],
    ['landing/no_such_table/x.jsonl', /"no_such_table" is not a source table/],
    ['landing/..%2F..%2Fescape/x.jsonl', /"\.\.%2F\.\.%2Fescape" is not a source table/],
    ['landing/sales_order;drop table x/x.jsonl', /"sales_order;drop table x" is not a source table/],
  ])('quarantines %s with a reason, logged once at error level', async (key, reason) => {
    await raw.put(key, '{"currency_id": 1}\n');
    const log = join(dir, 'log.jsonl');
    const result = await ingest({ key }, { raw, ledger, clock, logger: fileLogger('test', log).logger });
    expect(result).toMatchObject({ status: 'quarantined', reason: expect.stringMatching(reason) });
    expect(await raw.exists(key)).toBe(false);
    expect(await raw.exists(`_quarantine/${key}`)).toBe(true);
    // Gone from landing/, so the next pass does not see it (and does not log it again).
    expect(await raw.list('landing/')).toEqual([]);
    expect(
      readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .filter((l) => JSON.parse(l).level === 'ERROR'),
    ).toHaveLength(1);
    expect(await ledger.listRuns()).toEqual([]);
  });

  it("reads a file in a subfolder of a table's folder as that table's file", async () => {
    await raw.put('landing/currency/2024/05/x.jsonl', '{"currency_id": 1}\n');
    const result = await ingest({ key: 'landing/currency/2024/05/x.jsonl' }, { raw, ledger, clock, logger: logger() });
    expect(result).toMatchObject({ status: 'ingested', table: 'currency', rows: 1 });
    expect(await raw.exists('_processed/landing/currency/2024/05/x.jsonl')).toBe(true);
  });

  it('takes the next id of the second when a run already holds the stamp, without listing runs', async () => {
    await raw.put('landing/currency/a.json', '[{"currency_id": 1}]');
    await raw.put('landing/currency/b.json', '[{"currency_id": 2}]');
    const listRuns = jest.spyOn(ledger, 'listRuns');
    const first = await ingest({ key: 'landing/currency/a.json' }, { raw, ledger, clock, logger: logger() });
    const second = await ingest({ key: 'landing/currency/b.json' }, { raw, ledger, clock, logger: logger() });
    expect([first, second].map((r) => r.status === 'ingested' && r.runId)).toEqual(['20250301t100000z', '20250301t100000z_2']);
    expect(listRuns).not.toHaveBeenCalled();
  });

  it('like extract, discards a run that fails before it is recorded: no parts, no run, the file still landed, the id free', async () => {
    class FailingLedger extends FileRunLedger {
      override async createRun(_run: RunRecord): Promise<void> {
        throw new TerminalError('ledger unavailable');
      }
    }
    const failing = new FailingLedger(join(dir, 'ledger'));
    await raw.put('landing/currency/new.json', '[{"currency_id": 4}]');
    await expect(ingest({ key: 'landing/currency/new.json' }, { raw, ledger: failing, clock, logger: logger() })).rejects.toThrow(
      /ledger unavailable/,
    );
    expect((await raw.list('')).map((o) => o.key)).toEqual(['landing/currency/new.json']);
    expect(await ledger.listRuns()).toEqual([]);
    // The claim was released: the retry gets the same id.
    const retried = await ingest({ key: 'landing/currency/new.json' }, { raw, ledger, clock, logger: logger() });
    expect(retried).toMatchObject({ status: 'ingested', runId: '20250301t100000z' });
  });

  it('like extract, marks the run failed when its manifest cannot be written, and leaves the file landed', async () => {
    class NoManifests extends FsObjectStore {
      override async put(key: string, body: Buffer | string): Promise<void> {
        if (key.startsWith('_manifests/')) throw new TerminalError('disk full');
        return super.put(key, body);
      }
    }
    const store = new NoManifests('raw', join(dir, 'raw'));
    await store.put('landing/currency/new.json', '[{"currency_id": 4}]');
    await expect(ingest({ key: 'landing/currency/new.json' }, { raw: store, ledger, clock, logger: logger() })).rejects.toThrow(
      /disk full/,
    );
    expect((await ledger.getRun('20250301t100000z'))?.failed).toEqual({
      step: 'ingest',
      at: '2025-03-01T10:00:00.000Z',
      error: 'disk full',
    });
    expect(await store.exists('landing/currency/new.json')).toBe(true);
  });

  it('finds a landed file whose key the event carries URL-encoded, and keeps a literal % or + as it is', async () => {
    await raw.put('landing/currency/may 2025+extra.json', '[{"currency_id": 7}]');
    const encoded = await ingest({ key: 'landing/currency/may+2025%2Bextra.json' }, { raw, ledger, clock, logger: logger() });
    expect(encoded).toMatchObject({ status: 'ingested', table: 'currency', rows: 1 });
    await raw.put('landing/currency/100%25+x.json', '[{"currency_id": 8}]');
    const literal = await ingest({ key: 'landing/currency/100%25+x.json' }, { raw, ledger, clock, logger: logger() });
    expect(literal).toMatchObject({ status: 'ingested', rows: 1 });
    expect(await raw.exists('_processed/landing/currency/100%25+x.json')).toBe(true);
  });

  it('ignores keys outside landing/', async () => {
    const result = await ingest({ key: 'elsewhere/loose-file.csv' }, { raw, ledger, clock, logger: logger() });
    expect(result.status).toBe('ignored');
  });
});
