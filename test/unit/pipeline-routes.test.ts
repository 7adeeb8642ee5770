import { CHAIN_MODES, chainRoutes, ROUTES, routesFor, type ChainMode } from '../../jobs/lib/definition/routes';
import type { PipelineEvent } from '../../jobs/lib/definition/events';
import { ZONES, type Zone } from '../../jobs/lib/definition/zones';
import type { ScheduledStep } from '../../jobs/lib/definition/run-stages';

const s3 = (key: string, zone: Zone = 'raw'): PipelineEvent => ({
  source: 'aws.s3',
  'detail-type': 'Object Created',
  detail: { bucket: { name: zone }, object: { key }, zone },
});
const crawled = (zone: Zone, state: 'Succeeded' | 'Failed' = 'Succeeded'): PipelineEvent => ({
  source: 'aws.glue',
  'detail-type': 'Glue Crawler State Change',
  detail: { crawlerName: `lakehouse-${zone}`, state, zone },
});
const written = (zone: Zone): PipelineEvent => ({
  source: 'lakehouse',
  'detail-type': 'ZoneWritten',
  detail: { zone, runs: ['20250225t132609z'] },
});
const tick = (step: ScheduledStep): PipelineEvent => ({
  source: 'aws.scheduler',
  'detail-type': 'Scheduled Tick',
  detail: { step },
});

/** Every kind of event the chain sees, by a short label. */
const EVENTS: Record<string, PipelineEvent> = {
  'tick extract': tick('extract'),
  'tick sweep': tick('sweep'),
  'tick reconcile': tick('reconcile'),
  'landed file': s3('landing/sales_order/new.csv'),
  manifest: s3('_manifests/20250225t132609z.json'),
  'raw part file': s3('sales_order/run_id=20250225t132609z/part-00000.jsonl.gz'),
  ...Object.fromEntries(ZONES.map((z) => [`${z} written`, written(z)])),
  ...Object.fromEntries(ZONES.map((z) => [`${z} crawled`, crawled(z)])),
  ...Object.fromEntries(ZONES.map((z) => [`${z} crawl failed`, crawled(z, 'Failed')])),
};

/** What each event starts in a mode, as `step` or `step:zone-or-target`. */
const starts = (event: PipelineEvent, mode: ChainMode) =>
  routesFor(event, mode).map((r) => [r.step, r.input.zone ?? r.input.target].filter(Boolean).join(':'));

describe('event routes', () => {
  it('have unique names', () => {
    expect(new Set(ROUTES.map((r) => r.name)).size).toBe(ROUTES.length);
  });

  it.each(CHAIN_MODES)('start a raw crawl on a manifest and nothing on a part file (%s mode)', (mode) => {
    expect(routesFor(s3('_manifests/20250225t132609z.json'), mode).map((r) => r.name)).toEqual(['manifest-crawl-raw']);
    expect(routesFor(s3('sales_order/run_id=20250225t132609z/part-00000.jsonl.gz'), mode)).toEqual([]);
  });

  it.each(CHAIN_MODES)('start an ingest for a landed file only in the raw zone (%s mode)', (mode) => {
    expect(routesFor(s3('landing/sales_order/new.csv'), mode).map((r) => r.step)).toEqual(['ingest']);
    expect(routesFor(s3('landing/sales_order/new.csv', 'cleaned'), mode)).toEqual([]);
  });

  it.each(CHAIN_MODES)('send schedule ticks to their own step (%s mode)', (mode) => {
    expect(routesFor(tick('extract'), mode).map((r) => r.step)).toEqual(['extract']);
    expect(routesFor(tick('sweep'), mode).map((r) => r.step)).toEqual(['sweep']);
    expect(routesFor(tick('reconcile'), mode).map((r) => r.step)).toEqual(['reconcile']);
  });
});

describe('chain modes', () => {
  // The whole table, per mode: a route added, dropped or moved to the other mode changes a line here.
  const expected: Record<ChainMode, Record<string, string[]>> = {
    crawler: {
      'tick extract': ['extract'],
      'tick sweep': ['sweep'],
      'tick reconcile': ['reconcile'],
      'landed file': ['ingest'],
      manifest: ['crawl:raw'],
      'raw part file': [],
      'raw written': ['crawl:raw'],
      'cleaned written': ['crawl:cleaned'],
      'transformed written': ['crawl:transformed'],
      'raw crawled': ['transform:cleaned'],
      'cleaned crawled': ['transform:transformed'],
      'transformed crawled': ['load'],
      'raw crawl failed': [],
      'cleaned crawl failed': [],
      'transformed crawl failed': [],
    },
    direct: {
      'tick extract': ['extract'],
      'tick sweep': ['sweep'],
      'tick reconcile': ['reconcile'],
      'landed file': ['ingest'],
      manifest: ['crawl:raw'],
      'raw part file': [],
      // The raw zone still goes through its crawler: the crawl infers the raw JSON schema.
      'raw written': ['crawl:raw'],
      'cleaned written': ['transform:transformed'],
      'transformed written': ['load'],
      'raw crawled': ['transform:cleaned'],
      // The scheduled cleaned and transformed crawls only discover schemas.
      'cleaned crawled': [],
      'transformed crawled': [],
      'raw crawl failed': [],
      'cleaned crawl failed': [],
      'transformed crawl failed': [],
    },
  };

  it.each(CHAIN_MODES)('say which step each event starts (%s mode)', (mode) => {
    const actual = Object.fromEntries(Object.entries(EVENTS).map(([label, event]) => [label, starts(event, mode)]));
    expect(actual).toEqual(expected[mode]);
  });

  it.each(CHAIN_MODES)('let no event start the same step twice (%s mode)', (mode) => {
    for (const [label, event] of Object.entries(EVENTS)) {
      const steps = routesFor(event, mode).map((r) => r.step);
      expect({ label, steps: [...new Set(steps)] }).toEqual({ label, steps });
    }
  });

  it('let no event start one step by two routes across the modes, so a handler finds its route without the mode', () => {
    for (const [label, event] of Object.entries(EVENTS)) {
      const routes = CHAIN_MODES.flatMap((mode) => routesFor(event, mode));
      const byStep = new Map<string, Set<string>>();
      for (const r of routes) byStep.set(r.step, (byStep.get(r.step) ?? new Set()).add(r.name));
      for (const [step, names] of byStep) expect({ label, step, routes: names.size }).toEqual({ label, step, routes: 1 });
    }
  });

  it('put every route in at least one mode, and each mode’s routes in ROUTES order', () => {
    const inSomeMode = new Set(CHAIN_MODES.flatMap((mode) => chainRoutes(mode).map((r) => r.name)));
    expect([...inSomeMode].sort()).toEqual(ROUTES.map((r) => r.name).sort());
    for (const mode of CHAIN_MODES) {
      expect(chainRoutes(mode)).toEqual(ROUTES.filter((r) => chainRoutes(mode).includes(r)));
    }
  });

  it('chain a run from extract to load in each mode, the cleaned and transformed crawls only in crawler mode', () => {
    // Follow the events each step emits (extract: a manifest; crawl: its Succeeded; transform, load: ZoneWritten).
    const follow = (mode: ChainMode): string[] => {
      const queue: PipelineEvent[] = [tick('extract')];
      const made: string[] = [];
      while (queue.length && made.length < 20) {
        for (const route of routesFor(queue.shift()!, mode)) {
          made.push(route.name);
          if (route.step === 'extract') queue.push(s3('_manifests/20250225t132609z.json'));
          if (route.step === 'crawl') queue.push(crawled(route.input.zone!));
          if (route.step === 'transform') queue.push(written(route.input.target!));
        }
      }
      return made;
    };
    expect(follow('crawler')).toEqual([
      'schedule-extract',
      'manifest-crawl-raw',
      'raw-crawled-transform-cleaned',
      'cleaned-written-crawl',
      'cleaned-crawled-transform-transformed',
      'transformed-written-crawl',
      'transformed-crawled-load',
    ]);
    expect(follow('direct')).toEqual([
      'schedule-extract',
      'manifest-crawl-raw',
      'raw-crawled-transform-cleaned',
      'cleaned-written-transform-transformed',
      'transformed-written-load',
    ]);
  });
});
