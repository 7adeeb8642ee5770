/**
 * The shared route → EventBridge pattern definition (jobs/lib/event-patterns.ts):
 * the patterns accept exactly the AWS events that the handlers' schemas
 * (jobs/lib/runtimes/lambda/event-schemas.ts) turn into a pipeline event the same route
 * matches locally (`routeMatches`), and nothing else.
 */
import {
  alertPatterns,
  DEFAULT_EVENT_BUS,
  eventBusFor,
  eventPattern,
  routeTrigger,
  scheduledTick,
  zoneOfBucket,
  zoneOfCrawler,
  type DeployedNames,
} from '../../jobs/lib/definition/event-patterns';
import { matchesEventPattern } from './support/event-pattern-matcher';
import { routeFor, scheduledTickSchema, toPipelineEvent } from '../../jobs/lib/runtimes/lambda/event-schemas';
import { ROUTES, routeMatches, type Route } from '../../jobs/lib/definition/routes';
import { ZONES } from '../../jobs/lib/definition/zones';
import type { PipelineEvent } from '../../jobs/lib/definition/events';
import { athenaQueryStateChange, crawlerStateChange, s3ObjectCreated, zoneWritten } from './support/aws-events';

const names: DeployedNames = {
  buckets: { raw: 'acme-raw', cleaned: 'acme-cleaned', transformed: 'acme-transformed' },
  crawlers: { raw: 'acme-crawl-raw', cleaned: 'acme-crawl-cleaned', transformed: 'acme-crawl-transformed' },
  eventBusName: 'acme-bus',
  athenaWorkgroup: 'acme-wg',
};

const ruleRoutes = ROUTES.filter((r) => r.on.source !== 'aws.scheduler');
const scheduleRoutes = ROUTES.filter((r) => r.on.source === 'aws.scheduler');

/** Keys an S3 event may carry: landed files, manifests, part files, bookkeeping. */
const KEYS = [
  'landing/sales_order/orders.csv',
  'landing/sales_order/orders.jsonl',
  '_manifests/20250225t132609z.json',
  '_manifests/20250225t132609z.json.tmp',
  '_manifests/readme.txt',
  'sales_order/run_id=20250225t132609z/part-00000.jsonl.gz',
  '_ledger/runs/20250225t132609z.json',
  '_processed/landing/sales_order/orders.csv',
  'x/landing/orders.csv',
];

/** Every AWS event of the grid: S3 events for each zone bucket and a foreign one, crawler events, ZoneWritten, Athena. */
function awsEventGrid(): Record<string, any>[] {
  const buckets = [...Object.values(names.buckets), 'someone-elses-bucket'];
  const crawlers = [...Object.values(names.crawlers), 'someone-elses-crawler'];
  return [
    ...buckets.flatMap((b) => KEYS.map((k) => s3ObjectCreated(b, k))),
    ...crawlers.flatMap((c) => (['Started', 'Succeeded', 'Failed'] as const).map((s) => crawlerStateChange(c, s))),
    ...ZONES.map((z) => zoneWritten(z)),
    athenaQueryStateChange(names.athenaWorkgroup, 'FAILED'),
  ];
}

/** The pipeline event a handler would make of `event`, or undefined when its schemas reject it. */
function asPipelineEvent(event: unknown): PipelineEvent | undefined {
  try {
    return toPipelineEvent(event, names);
  } catch {
    return undefined;
  }
}

describe('eventPattern', () => {
  it('matches a landed file by bucket and key prefix', () => {
    const route = ROUTES.find((r) => r.name === 'landing-ingest')!;
    expect(eventPattern(route, names)).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: ['acme-raw'] }, object: { key: [{ prefix: 'landing/' }] } },
    });
  });

  it('matches a manifest by prefix and suffix together (one wildcard)', () => {
    const route = ROUTES.find((r) => r.name === 'manifest-crawl-raw')!;
    expect(eventPattern(route, names).detail).toEqual({
      bucket: { name: ['acme-raw'] },
      object: { key: [{ wildcard: '_manifests/*.json' }] },
    });
  });

  it('matches crawler successes by crawler name and ZoneWritten by zone', () => {
    const crawled = ROUTES.find((r) => r.name === 'raw-crawled-transform-cleaned')!;
    expect(eventPattern(crawled, names).detail).toEqual({ crawlerName: ['acme-crawl-raw'], state: ['Succeeded'] });
    const written = ROUTES.find((r) => r.name === 'cleaned-written-crawl')!;
    expect(eventPattern(written, names)).toEqual({
      source: ['lakehouse'],
      'detail-type': ['ZoneWritten'],
      detail: { zone: ['cleaned'] },
    });
  });

  it('refuses scheduler routes and zone-less S3 routes', () => {
    expect(() => eventPattern(scheduleRoutes[0], names)).toThrow(/schedule/);
    const zoneless: Route = { name: 'bad', on: { source: 'aws.s3', detailType: 'Object Created' }, step: 'ingest', input: {} };
    expect(() => eventPattern(zoneless, names)).toThrow(/need a zone/);
  });

  it('escapes wildcard characters of literal prefixes', () => {
    const odd: Route = {
      name: 'odd',
      on: { source: 'aws.s3', detailType: 'Object Created', zone: 'raw', keyPrefix: 'a*b\\/', keySuffix: '.json' },
      step: 'ingest',
      input: {},
    };
    const pattern = eventPattern(odd, names);
    expect(pattern.detail).toEqual({ bucket: { name: ['acme-raw'] }, object: { key: [{ wildcard: 'a\\*b\\\\/*.json' }] } });
    expect(matchesEventPattern(pattern, s3ObjectCreated('acme-raw', 'a*b\\/x.json'))).toBe(true);
    expect(matchesEventPattern(pattern, s3ObjectCreated('acme-raw', 'aXb\\/x.json'))).toBe(false);
  });
});

describe('patterns agree with the handlers and the local routes', () => {
  const grid = awsEventGrid();

  it.each(ruleRoutes.map((r) => [r.name, r] as const))('%s accepts exactly the events its route matches', (_name, route) => {
    const pattern = eventPattern(route, names);
    let accepted = 0;
    for (const event of grid) {
      const pipelineEvent = asPipelineEvent(event);
      const expected = pipelineEvent !== undefined && routeMatches(route, pipelineEvent);
      expect({ event: event.detail, matches: matchesEventPattern(pattern, event) }).toEqual({
        event: event.detail,
        matches: expected,
      });
      if (expected) {
        accepted++;
        expect(routeFor(pipelineEvent!, route.step).name).toBe(route.name);
      }
    }
    expect(accepted).toBeGreaterThan(0);
  });

  it('lets no event the handlers reject through any rule', () => {
    for (const event of grid.filter((e) => asPipelineEvent(e) === undefined)) {
      for (const route of ruleRoutes) expect(matchesEventPattern(eventPattern(route, names), event)).toBe(false);
    }
  });

  it('never starts anything from a part file, the ledger or processed landing files', () => {
    for (const key of KEYS.filter((k) => !k.startsWith('landing/') && !/^_manifests\/[^/]*\.json$/.test(k))) {
      const event = s3ObjectCreated(names.buckets.raw, key);
      expect(ruleRoutes.filter((r) => matchesEventPattern(eventPattern(r, names), event)).map((r) => r.name)).toEqual([]);
    }
  });
});

describe('routeTrigger', () => {
  it('turns scheduler routes into schedules whose input the handler schema accepts', () => {
    for (const route of scheduleRoutes) {
      const trigger = routeTrigger(route, names);
      expect(trigger.kind).toBe('schedule');
      if (trigger.kind !== 'schedule') continue;
      expect(trigger.input).toEqual(scheduledTick(route.on.step!));
      expect(scheduledTickSchema.safeParse(trigger.input).success).toBe(true);
      expect(routeFor(toPipelineEvent(trigger.input, names), route.step).name).toBe(route.name);
    }
  });

  it('puts our events on the custom bus and AWS service events on the default bus', () => {
    for (const route of ruleRoutes) {
      const trigger = routeTrigger(route, names);
      expect(trigger.kind).toBe('rule');
      if (trigger.kind === 'rule') {
        expect(trigger.eventBusName).toBe(route.on.source === 'lakehouse' ? 'acme-bus' : DEFAULT_EVENT_BUS);
        expect(trigger.eventBusName).toBe(eventBusFor(route, names));
      }
    }
  });
});

describe('alertPatterns', () => {
  const alerts = alertPatterns(names);

  it('match failures of the zone crawlers only', () => {
    for (const crawler of Object.values(names.crawlers)) {
      expect(matchesEventPattern(alerts.crawlerFailed, crawlerStateChange(crawler, 'Failed'))).toBe(true);
      expect(matchesEventPattern(alerts.crawlerFailed, crawlerStateChange(crawler, 'Succeeded'))).toBe(false);
    }
    expect(matchesEventPattern(alerts.crawlerFailed, crawlerStateChange('someone-elses-crawler', 'Failed'))).toBe(false);
    expect(Object.keys(alerts)).toEqual(['crawlerFailed']);
  });
});

describe('matchesEventPattern', () => {
  it('requires every pattern field, matches any listed value and any array element', () => {
    const pattern = { source: ['a', 'b'], detail: { tags: ['x'], n: [{ prefix: 'ab' }], s: [{ suffix: '.gz' }] } };
    expect(matchesEventPattern(pattern, { source: 'b', detail: { tags: ['y', 'x'], n: 'abc', s: 'f.gz' } })).toBe(true);
    expect(matchesEventPattern(pattern, { source: 'c', detail: { tags: ['x'], n: 'abc', s: 'f.gz' } })).toBe(false);
    expect(matchesEventPattern(pattern, { source: 'a', detail: { tags: ['x'], n: 'abc' } })).toBe(false);
    expect(matchesEventPattern(pattern, { source: 'a', detail: { tags: ['x'], n: 'xab', s: 'f.gz' } })).toBe(false);
    expect(matchesEventPattern(pattern, { source: 'a', detail: 'not an object' })).toBe(false);
    expect(matchesEventPattern({ n: [{ prefix: '1' }] }, { n: 12 })).toBe(false);
  });

  it('treats wildcards as anchored, with * spanning slashes', () => {
    const pattern = { key: [{ wildcard: '_manifests/*.json' }] };
    expect(matchesEventPattern(pattern, { key: '_manifests/a/b.json' })).toBe(true);
    expect(matchesEventPattern(pattern, { key: 'x_manifests/a.json' })).toBe(false);
    expect(matchesEventPattern(pattern, { key: '_manifests/a.json.bak' })).toBe(false);
  });
});

describe('zone look-ups', () => {
  it('map deployed bucket and crawler names back to zones', () => {
    for (const zone of ZONES) {
      expect(zoneOfBucket(names, names.buckets[zone])).toBe(zone);
      expect(zoneOfCrawler(names, names.crawlers[zone])).toBe(zone);
    }
    expect(zoneOfBucket(names, 'acme-raw-archive')).toBeUndefined();
    expect(zoneOfCrawler(names, 'acme-raw')).toBeUndefined();
  });
});
