import { ROUTES, routesFor } from '../../jobs/lib/definition/routes';
import type { PipelineEvent } from '../../jobs/lib/definition/events';

const s3 = (key: string, zone: 'raw' | 'cleaned' | 'transformed' = 'raw'): PipelineEvent => ({
  source: 'aws.s3',
  'detail-type': 'Object Created',
  detail: { bucket: { name: zone }, object: { key }, zone },
});
const crawled = (zone: 'raw' | 'cleaned' | 'transformed', state: 'Succeeded' | 'Failed' = 'Succeeded'): PipelineEvent => ({
  source: 'aws.glue',
  'detail-type': 'Glue Crawler State Change',
  detail: { crawlerName: `lakehouse-${zone}`, state, zone },
});

describe('event routes', () => {
  it('have unique names', () => {
    expect(new Set(ROUTES.map((r) => r.name)).size).toBe(ROUTES.length);
  });

  it('start a raw crawl on a manifest and nothing on a part file', () => {
    expect(routesFor(s3('_manifests/20250225t132609z.json')).map((r) => r.name)).toEqual(['manifest-crawl-raw']);
    expect(routesFor(s3('sales_order/run_id=20250225t132609z/part-00000.jsonl.gz'))).toEqual([]);
  });

  it('start an ingest for a landed file only in the raw zone', () => {
    expect(routesFor(s3('landing/sales_order/new.csv')).map((r) => r.step)).toEqual(['ingest']);
    expect(routesFor(s3('landing/sales_order/new.csv', 'cleaned'))).toEqual([]);
  });

  it('chain crawler successes to the next transform, and failures to nothing', () => {
    expect(routesFor(crawled('raw')).map((r) => r.input)).toEqual([{ target: 'cleaned' }]);
    expect(routesFor(crawled('cleaned')).map((r) => r.input)).toEqual([{ target: 'transformed' }]);
    expect(routesFor(crawled('transformed')).map((r) => r.step)).toEqual(['load']);
    expect(routesFor(crawled('raw', 'Failed'))).toEqual([]);
  });

  it('crawl a zone after it is written', () => {
    const written = (zone: 'cleaned' | 'transformed'): PipelineEvent => ({
      source: 'lakehouse',
      'detail-type': 'ZoneWritten',
      detail: { zone, runs: ['20250225t132609z'] },
    });
    expect(routesFor(written('cleaned')).map((r) => [r.step, r.input.zone])).toEqual([['crawl', 'cleaned']]);
    expect(routesFor(written('transformed')).map((r) => [r.step, r.input.zone])).toEqual([['crawl', 'transformed']]);
  });

  it('send schedule ticks to their own step', () => {
    const tick = (step: 'extract' | 'sweep'): PipelineEvent => ({
      source: 'aws.scheduler',
      'detail-type': 'Scheduled Tick',
      detail: { step },
    });
    expect(routesFor(tick('extract')).map((r) => r.step)).toEqual(['extract']);
    expect(routesFor(tick('sweep')).map((r) => r.step)).toEqual(['sweep']);
  });
});

describe('the sweep nudge for runs waiting on their raw crawl', () => {
  it('routes ZoneWritten raw to a raw crawl', () => {
    const event: PipelineEvent = {
      source: 'lakehouse',
      'detail-type': 'ZoneWritten',
      detail: { zone: 'raw', runs: ['20250225t132609z'] },
    };
    expect(routesFor(event).map((r) => [r.step, r.input.zone])).toEqual([['crawl', 'raw']]);
  });
});
