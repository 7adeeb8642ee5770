/**
 * The transform job over the real local engine (DuckDB catalog + engine on
 * temp folders): waiting runs move on in order and are announced; failures
 * mark or keep runs as they should.
 */
import { join } from 'node:path';
import { TerminalError, TransientError } from '../../jobs/lib/core/errors';
import { DuckDbCatalog } from '../../jobs/lib/adapters/duckdb/duckdb-catalog';
import { openDuckDb } from '../../jobs/lib/adapters/duckdb/duckdb';
import { DuckDbQueryEngine } from '../../jobs/lib/adapters/duckdb/duckdb-query-engine';
import { LocalEventBus } from '../../jobs/lib/runtimes/local/event-bus';
import { FileRunLedger } from '../../jobs/lib/adapters/fs/file-run-ledger';
import { FsObjectStore } from '../../jobs/lib/adapters/fs/fs-object-store';
import { fileLogger } from '../../jobs/lib/adapters/powertools/file-logger';
import type { Zone } from '../../jobs/lib/definition/zones';
import type { RunRecord } from '../../jobs/lib/core/ports';
import { RawPartWriter } from '../../jobs/lib/core/raw-part-writer';
import { loadModels } from '../../jobs/lib/core/sql/models';
import { transform } from '../../jobs/transform/transform';
import { tempDirs } from '../support/temp-dirs';

const tempDir = tempDirs();

const RUN_1 = '20250225t132609z';
const RUN_2 = '20250226t090000z';
const currency = (id: number, code: string, at: string) => ({
  currency_id: id,
  currency_code: code,
  created_at: at,
  last_updated: at,
});

describe('transform job', () => {
  let home: string;
  let ledger: FileRunLedger;
  let bus: LocalEventBus;
  let raw: FsObjectStore;
  let close: () => void;
  let catalog: DuckDbCatalog;
  let engine: DuckDbQueryEngine;
  const clock = { now: () => new Date('2025-03-01T00:00:00Z') };
  const zoneRoot = (zone: Zone) => join(home, zone);
  const deps = () => ({
    engine,
    catalog,
    ledger,
    events: bus,
    clock,
    logger: fileLogger('test', join(home, 'log.jsonl')).logger,
  });

  const newRun = async (runId: string, extracted: Record<string, number>) => {
    const record: RunRecord = {
      runId,
      origin: 'extract',
      stage: 'extracted',
      createdAt: 'x',
      updatedAt: 'x',
      history: {},
      counts: { extracted },
    };
    await ledger.createRun(record);
  };
  const land = async (runId: string, rows: object[]) => {
    const writer = new RawPartWriter(raw, 'currency', runId);
    await writer.write(rows as never);
    await writer.close();
    await raw.put(`_manifests/${runId}.json`, '{}'); // recorded: the catalog shows raw partitions whose run has a manifest
  };

  beforeEach(async () => {
    home = tempDir('transform-');
    ledger = new FileRunLedger(join(home, 'ledger'));
    bus = new LocalEventBus();
    raw = new FsObjectStore('raw', zoneRoot('raw'));
    const duck = await openDuckDb();
    close = duck.close;
    catalog = new DuckDbCatalog(duck.conn, zoneRoot);
    engine = new DuckDbQueryEngine(duck.conn, zoneRoot);
  });
  afterEach(() => close());

  it('moves waiting runs to cleaned oldest first, counts rows and announces them once', async () => {
    await newRun(RUN_2, { currency: 1 });
    await newRun(RUN_1, { currency: 2 });
    await land(RUN_1, [currency(1, 'GBP', '2022-11-03T14:20:49.962'), currency(2, 'USD', '2022-11-03T14:20:49.962')]);
    await land(RUN_2, [currency(1, 'GBP', '2025-02-26T08:00:00.000')]);
    await catalog.crawl('raw');

    const published: unknown[] = [];
    const events = { publish: async (e: unknown) => void published.push(e) };
    const result = await transform({ target: 'cleaned' }, { ...deps(), events });
    expect(result.runs.map((r) => r.runId)).toEqual([RUN_1, RUN_2]);
    expect(published).toEqual([
      { source: 'lakehouse', 'detail-type': 'ZoneWritten', detail: { zone: 'cleaned', runs: [RUN_1, RUN_2] } },
    ]);
    const [first, second] = await ledger.listRuns();
    expect(first).toMatchObject({ stage: 'cleaned', counts: { cleaned: { currency: 2, address: 0 } }, rejects: {} });
    expect(second).toMatchObject({ stage: 'cleaned', counts: { cleaned: { currency: 1 } } });
  });

  it('runs only the cleaned models of the tables the run extracted rows of', async () => {
    await newRun(RUN_1, { currency: 1, address: 0 });
    await land(RUN_1, [currency(1, 'GBP', '2022-11-03T14:20:49.962')]);
    await catalog.crawl('raw');
    const ran: string[] = [];
    const counting = {
      ...engine,
      materialize: (model: Parameters<DuckDbQueryEngine['materialize']>[0]) => {
        ran.push(model.table);
        return engine.materialize(model);
      },
    } as unknown as DuckDbQueryEngine;
    await transform({ target: 'cleaned' }, { ...deps(), engine: counting });
    expect(ran).toEqual(['currency']);
    expect((await ledger.getRun(RUN_1))?.counts.cleaned).toMatchObject({ currency: 1, address: 0, sales_order: 0 });
  });

  it('with maxRuns, transforms the oldest run only and announces the input zone again for the runs still waiting', async () => {
    await newRun(RUN_1, { currency: 1 });
    await newRun(RUN_2, { currency: 1 });
    await land(RUN_1, [currency(1, 'GBP', '2022-11-03T14:20:49.962')]);
    await land(RUN_2, [currency(1, 'GBP', '2025-02-26T08:00:00.000')]);
    await catalog.crawl('raw');
    const published: unknown[] = [];
    const events = { publish: async (e: unknown) => void published.push(e) };
    const result = await transform({ target: 'cleaned', maxRuns: 1 }, { ...deps(), events });
    expect(result.runs.map((r) => r.runId)).toEqual([RUN_1]);
    expect(published).toEqual([
      { source: 'lakehouse', 'detail-type': 'ZoneWritten', detail: { zone: 'cleaned', runs: [RUN_1] } },
      { source: 'lakehouse', 'detail-type': 'ZoneWritten', detail: { zone: 'raw', runs: [RUN_2] } },
    ]);
    expect(await ledger.getRun(RUN_2)).toMatchObject({ stage: 'extracted' });
  });

  it('keeps a run waiting (not failed) when the catalog does not show a table it extracted yet', async () => {
    await newRun(RUN_1, { currency: 2 });
    await land(RUN_1, [currency(1, 'GBP', '2022-11-03T14:20:49.962')]);
    // No crawl: the raw table is not in the catalog.
    await expect(transform({ target: 'cleaned' }, deps())).rejects.toBeInstanceOf(TransientError);
    expect(await ledger.getRun(RUN_1)).toMatchObject({ stage: 'extracted' });
    expect((await ledger.getRun(RUN_1))?.failed).toBeUndefined();
  });

  it('marks a run failed on a terminal error and still announces the runs done before it', async () => {
    await newRun(RUN_1, { currency: 1 });
    await newRun(RUN_2, { currency: 1 });
    await land(RUN_1, [currency(1, 'GBP', '2022-11-03T14:20:49.962')]);
    await land(RUN_2, [{ currency_id: 2, currency_code: 'USD', created_at: 'x', last_updated: 'x' }]);
    await catalog.crawl('raw');
    const currencyOnly = loadModels('cleaned').filter((m) => m.table === 'currency');
    const published: unknown[] = [];
    const events = { publish: async (e: unknown) => void published.push(e) };
    // An engine that fails terminally (as on bad SQL) for the second run only.
    const failing = {
      materialize: async (m: Parameters<DuckDbQueryEngine['materialize']>[0]) => {
        if (m.runId === RUN_2) throw new TerminalError('bad SQL');
        return engine.materialize(m);
      },
      query: engine.query.bind(engine),
      render: engine.render.bind(engine),
    };
    await expect(transform({ target: 'cleaned' }, { ...deps(), engine: failing, events, models: currencyOnly })).rejects.toThrow(
      'bad SQL',
    );
    expect(await ledger.getRun(RUN_1)).toMatchObject({ stage: 'cleaned' });
    expect(await ledger.getRun(RUN_2)).toMatchObject({
      stage: 'extracted',
      failed: { step: 'transform:cleaned', error: 'bad SQL' },
    });
    expect(published).toEqual([
      { source: 'lakehouse', 'detail-type': 'ZoneWritten', detail: { zone: 'cleaned', runs: [RUN_1] } },
    ]);
  });
});
