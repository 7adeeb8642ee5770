import { LocalEventBus } from '../../jobs/lib/runtimes/local/event-bus';
import type { PipelineEvent } from '../../jobs/lib/definition/events';
import type { Route } from '../../jobs/lib/definition/routes';

describe('LocalEventBus', () => {
  it.each([
    {
      mode: 'crawler' as const,
      steps: [
        'extract:',
        'crawl:raw',
        'transform:cleaned',
        'crawl:cleaned',
        'transform:transformed',
        'crawl:transformed',
        'load:',
      ],
    },
    { mode: 'direct' as const, steps: ['extract:', 'crawl:raw', 'transform:cleaned', 'transform:transformed', 'load:'] },
  ])(
    'delivers events along the routes of its mode ($mode), including events the steps publish, in order',
    async ({ mode, steps: expected }) => {
      const bus = new LocalEventBus(mode);
      const steps: string[] = [];
      const dispatch = async (route: Route, event: PipelineEvent) => {
        steps.push(`${route.step}:${route.input.zone ?? route.input.target ?? ''}`);
        if (route.step === 'extract') {
          await bus.publish({
            source: 'aws.s3',
            'detail-type': 'Object Created',
            detail: { bucket: { name: 'raw' }, object: { key: 'sales_order/run_id=r/part-00000.jsonl.gz' }, zone: 'raw' },
          });
          await bus.publish({
            source: 'aws.s3',
            'detail-type': 'Object Created',
            detail: { bucket: { name: 'raw' }, object: { key: '_manifests/r.json' }, zone: 'raw' },
          });
        }
        if (route.step === 'crawl') {
          await bus.publish({
            source: 'aws.glue',
            'detail-type': 'Glue Crawler State Change',
            detail: { crawlerName: 'x', state: 'Succeeded', zone: route.input.zone! },
          });
        }
        if (route.step === 'transform') {
          await bus.publish({
            source: 'lakehouse',
            'detail-type': 'ZoneWritten',
            detail: { zone: route.input.target!, runs: ['r'] },
          });
        }
        return event['detail-type'];
      };
      await bus.publish({ source: 'aws.scheduler', 'detail-type': 'Scheduled Tick', detail: { step: 'extract' } });
      const deliveries = await bus.drain(dispatch);
      expect(steps).toEqual(expected);
      expect(deliveries.every((d) => d.ms >= 0 && !d.error)).toBe(true);
    },
  );

  it('records a failing step and goes on with other events', async () => {
    const bus = new LocalEventBus();
    await bus.publish({
      source: 'aws.glue',
      'detail-type': 'Glue Crawler State Change',
      detail: { crawlerName: 'x', state: 'Succeeded', zone: 'raw' },
    });
    await bus.publish({ source: 'lakehouse', 'detail-type': 'ZoneWritten', detail: { zone: 'cleaned', runs: ['r'] } });
    const deliveries = await bus.drain(async (route) => {
      if (route.step === 'transform') throw new Error('model broke');
      return 'ok';
    });
    expect(deliveries.map((d) => [d.step, d.error ?? d.result])).toEqual([
      ['transform', 'model broke'],
      ['crawl', 'ok'],
    ]);
  });

  it('stops a routing loop', async () => {
    const bus = new LocalEventBus();
    const again: PipelineEvent = { source: 'lakehouse', 'detail-type': 'ZoneWritten', detail: { zone: 'cleaned', runs: [] } };
    await bus.publish(again);
    await expect(bus.drain(async () => bus.publish(again), 10)).rejects.toThrow(/routing loop/);
  });
});
