/**
 * Pipeline events, in the EventBridge envelope shape (source, detail-type,
 * detail), so local and AWS events are the same data (docs/architecture.md,
 * "Events").
 */
import type { Zone } from './zones';
import type { ScheduledStep } from './run-stages';

/** Event sources, with the names AWS uses so the same patterns deploy to EventBridge. */
export const EVENT_SOURCES = {
  s3: 'aws.s3',
  glue: 'aws.glue',
  athena: 'aws.athena',
  scheduler: 'aws.scheduler',
  lakehouse: 'lakehouse',
} as const;

export const DETAIL_TYPES = {
  objectCreated: 'Object Created',
  crawlerStateChange: 'Glue Crawler State Change',
  athenaQueryStateChange: 'Athena Query State Change',
  zoneWritten: 'ZoneWritten',
  scheduledTick: 'Scheduled Tick',
} as const;

/**
 * A pipeline event, in the EventBridge envelope shape (source, detail-type,
 * detail) so local and AWS events are the same data.
 */
export type PipelineEvent =
  | { source: 'aws.scheduler'; 'detail-type': 'Scheduled Tick'; detail: { step: ScheduledStep } }
  | {
      source: 'aws.s3';
      'detail-type': 'Object Created';
      detail: { bucket: { name: string }; object: { key: string; size?: number }; zone: Zone };
    }
  | {
      source: 'aws.glue';
      'detail-type': 'Glue Crawler State Change';
      detail: { crawlerName: string; state: 'Succeeded' | 'Failed'; zone: Zone; errorMessage?: string };
    }
  | { source: 'lakehouse'; 'detail-type': 'ZoneWritten'; detail: { zone: Zone; runs: string[] } };

/** The zone an event concerns, or undefined for zone-less events (schedule ticks). */
export function eventZone(event: PipelineEvent): Zone | undefined {
  return 'zone' in event.detail ? event.detail.zone : undefined;
}
