import { TerminalError } from '../../../jobs/lib/core/errors';
import { CHAIN_MODES, chainRoutes } from '../../../jobs/lib/definition/routes';
import { eventPattern, scheduledTick, type DeployedNames } from '../../../jobs/lib/definition/event-patterns';
import { matchesEventPattern } from '../../stacks/support/event-pattern-matcher';
import {
  athenaQueryStateChangeSchema,
  glueCrawlerStateChangeSchema,
  parseEvent,
  routeFor,
  s3ObjectCreatedSchema,
  serviceFailureRecord,
  toPipelineEvent,
} from '../../../jobs/lib/runtimes/lambda/event-schemas';
import { altered, fixture } from './handlers/fixtures';

const names: DeployedNames = {
  buckets: {
    raw: 'lakehouse-raw-111122223333',
    cleaned: 'lakehouse-cleaned-111122223333',
    transformed: 'lakehouse-transformed-111122223333',
  },
  crawlers: { raw: 'lakehouse-raw', cleaned: 'lakehouse-cleaned', transformed: 'lakehouse-transformed' },
  eventBusName: 'lakehouse',
  athenaWorkgroup: 'lakehouse',
};

describe('event schemas', () => {
  it('parse the AWS documentation example shapes', () => {
    expect(parseEvent(s3ObjectCreatedSchema, fixture('s3-object-created-manifest'), 'Object Created').detail.object.key).toBe(
      '_manifests/20250225t132609z.json',
    );
    expect(parseEvent(glueCrawlerStateChangeSchema, fixture('glue-crawler-failed'), 'Glue').detail.errorMessage).toBe(
      'Internal Service Exception',
    );
    expect(parseEvent(athenaQueryStateChangeSchema, fixture('athena-query-failed'), 'Athena').detail.workgroupName).toBe(
      'lakehouse',
    );
  });

  it('name every problem of a bad event in one terminal error', () => {
    const bad = altered('glue-crawler-succeeded-raw', (e) => {
      e.detail.state = 'Exploded';
      delete e.detail.crawlerName;
    });
    expect(() => parseEvent(glueCrawlerStateChangeSchema, bad, 'Glue Crawler State Change')).toThrow(TerminalError);
    expect(() => parseEvent(glueCrawlerStateChangeSchema, bad, 'Glue Crawler State Change')).toThrow(
      /^bad Glue Crawler State Change event: detail\.crawlerName: .+; detail\.state: .+/,
    );
  });
});

describe('toPipelineEvent + routeFor', () => {
  it.each([
    ['s3-object-created-manifest', 'crawl', 'manifest-crawl-raw'],
    ['s3-object-created-landing', 'ingest', 'landing-ingest'],
    ['glue-crawler-succeeded-raw', 'transform', 'raw-crawled-transform-cleaned'],
    ['glue-crawler-succeeded-cleaned', 'transform', 'cleaned-crawled-transform-transformed'],
    ['glue-crawler-succeeded-transformed', 'load', 'transformed-crawled-load'],
    ['zone-written-cleaned', 'crawl', 'cleaned-written-crawl'],
    ['scheduled-tick-extract', 'extract', 'schedule-extract'],
    ['scheduled-tick-sweep', 'sweep', 'schedule-sweep'],
    ['scheduled-tick-reconcile', 'reconcile', 'schedule-reconcile'],
  ] as const)('%s starts %s by route %s', (name, step, route) => {
    expect(routeFor(toPipelineEvent(fixture(name), names), step).name).toBe(route);
  });

  it('maps zones from bucket and crawler names', () => {
    expect(toPipelineEvent(fixture('s3-object-created-manifest'), names)).toEqual({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: {
        bucket: { name: 'lakehouse-raw-111122223333' },
        object: { key: '_manifests/20250225t132609z.json', size: 2215 },
        zone: 'raw',
      },
    });
    expect(toPipelineEvent(fixture('glue-crawler-failed'), names)).toEqual({
      source: 'aws.glue',
      'detail-type': 'Glue Crawler State Change',
      detail: { crawlerName: 'lakehouse-cleaned', state: 'Failed', zone: 'cleaned', errorMessage: 'Internal Service Exception' },
    });
  });

  it('refuses unknown buckets, crawlers, Started events, bad run ids and unknown sources', () => {
    const cases = [
      altered('s3-object-created-manifest', (e) => (e.detail.bucket.name = 'other')),
      altered('glue-crawler-succeeded-raw', (e) => (e.detail.crawlerName = 'other')),
      fixture('glue-crawler-started'),
      altered('zone-written-cleaned', (e) => (e.detail.runs = ['../../etc'])),
      altered('zone-written-cleaned', (e) => (e.detail.runs = [])),
      altered('zone-written-cleaned', (e) => delete e.id),
      altered('zone-written-cleaned', (e) => (e.time = 'yesterday')),
      altered('s3-object-created-manifest', (e) => delete e.detail['request-id']),
      fixture('athena-query-failed'),
      null,
    ];
    for (const event of cases) expect(() => toPipelineEvent(event, names)).toThrow(TerminalError);
  });

  it('accepts exactly the events the deployed EventBridge patterns let through', () => {
    const delivered = [
      'zone-written-cleaned',
      's3-object-created-manifest',
      's3-object-created-landing',
      'glue-crawler-succeeded-raw',
      'glue-crawler-succeeded-cleaned',
      'glue-crawler-succeeded-transformed',
    ];
    for (const name of delivered) {
      const event = fixture(name);
      // Each mode deploys its own rules; the handler finds the rule's route without knowing the mode.
      const matched = CHAIN_MODES.map((mode) =>
        chainRoutes(mode)
          .filter((r) => r.on.source !== 'aws.scheduler')
          .filter((r) => matchesEventPattern(eventPattern(r, names), event)),
      );
      expect({ name, delivered: matched.some((rules) => rules.length > 0) }).toEqual({ name, delivered: true });
      for (const rules of matched) {
        expect({ name, rules: rules.length <= 1 }).toEqual({ name, rules: true });
        if (rules.length) expect(routeFor(toPipelineEvent(event, names), rules[0].step).name).toBe(rules[0].name);
      }
    }
    expect(toPipelineEvent(scheduledTick('extract'), names)).toEqual(fixture('scheduled-tick-extract'));
  });
});

describe('serviceFailureRecord', () => {
  it('turns a failed crawler and a failed Athena query into ERROR lines, and ignores other states', () => {
    const crawler = serviceFailureRecord(fixture('glue-crawler-failed'))!;
    expect(crawler).toEqual({
      timestamp: Date.parse('2025-02-25T13:29:02Z'),
      message: JSON.stringify({
        level: 'ERROR',
        service: 'crawl',
        message: 'Glue crawler lakehouse-cleaned failed',
        error: 'Internal Service Exception',
      }),
      logGroup: '/aws-glue/crawlers',
      logStream: 'lakehouse-cleaned',
    });
    expect(JSON.parse(serviceFailureRecord(fixture('athena-query-failed'))!.message)).toMatchObject({
      level: 'ERROR',
      service: 'transform',
      message: 'Athena query 01234567-0123-0123-0123-012345678901 failed in workgroup lakehouse',
    });
    expect(serviceFailureRecord(fixture('glue-crawler-succeeded-raw'))).toBeUndefined();
    expect(serviceFailureRecord(fixture('zone-written-cleaned'))).toBeUndefined();
  });
});
