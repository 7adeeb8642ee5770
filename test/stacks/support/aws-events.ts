/**
 * Real-shaped AWS events for the stack tests: the fixtures in
 * ../fixtures/events are shaped like the AWS documentation's example events;
 * these builders fill in the bucket, key, crawler, state or zone under test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeployedNames } from '../../../jobs/lib/definition/event-patterns';
import type { Route } from '../../../jobs/lib/definition/routes';
import type { Zone } from '../../../jobs/lib/definition/zones';

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'events', `${name}.json`), 'utf8')) as Record<string, any>;

/** S3 "Object Created" (via EventBridge) for `key` in `bucket`. */
export function s3ObjectCreated(bucket: string, key: string): Record<string, any> {
  const e = fixture('s3-object-created');
  e.resources = [`arn:aws:s3:::${bucket}`];
  e.detail.bucket.name = bucket;
  e.detail.object.key = key;
  return e;
}

/** "Glue Crawler State Change" of `crawlerName` reaching `state`. */
export function crawlerStateChange(crawlerName: string, state: 'Started' | 'Succeeded' | 'Failed'): Record<string, any> {
  const e = fixture('glue-crawler-state-change');
  e.detail.crawlerName = crawlerName;
  e.detail.state = state;
  e.detail.message = `Crawler ${state}`;
  if (state === 'Failed') e.detail.errorMessage = 'Internal Service Exception';
  return e;
}

/** "Athena Query State Change" in `workgroupName` reaching `currentState`. */
export function athenaQueryStateChange(workgroupName: string, currentState: 'SUCCEEDED' | 'FAILED'): Record<string, any> {
  const e = fixture('athena-query-state-change');
  e.detail.workgroupName = workgroupName;
  e.detail.currentState = currentState;
  return e;
}

/** Our `ZoneWritten` as EventBridge delivers it after PutEvents. */
export function zoneWritten(zone: Zone, runs: string[] = ['20250225t132609z']): Record<string, any> {
  const e = fixture('zone-written');
  e.detail = { zone, runs };
  return e;
}

/** A real-shaped AWS event that should start `route`, with the deployed bucket and crawler names. */
export function sampleRouteEvent(route: Route, deployed: Pick<DeployedNames, 'buckets' | 'crawlers'>): Record<string, any> {
  const on = route.on;
  if (on.source === 'aws.s3')
    return s3ObjectCreated(deployed.buckets[on.zone!], `${on.keyPrefix ?? ''}sales_order/sample${on.keySuffix ?? '.csv'}`);
  if (on.source === 'aws.glue') return crawlerStateChange(deployed.crawlers[on.zone!], on.state ?? 'Succeeded');
  return zoneWritten(on.zone!);
}
