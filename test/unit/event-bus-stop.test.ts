import type { PipelineEvent } from '../../jobs/lib/definition/events';
import { LocalEventBus } from '../../jobs/lib/runtimes/local/event-bus';
import { PassInterrupted, signalExitCode, stoppingAtSafePoint } from '../../jobs/lib/runtimes/local/stop-signals';

describe('stopping the local event bus at a safe point', () => {
  const crawled = (zone: 'raw' | 'cleaned'): PipelineEvent => ({
    source: 'aws.glue',
    'detail-type': 'Glue Crawler State Change',
    detail: { crawlerName: 'x', state: 'Succeeded', zone },
  });

  it('finishes the step in progress, delivers nothing more, and throws PassInterrupted naming the signal and the last route', async () => {
    const bus = new LocalEventBus();
    await bus.publish(crawled('raw'));
    await bus.publish({ source: 'lakehouse', 'detail-type': 'ZoneWritten', detail: { zone: 'cleaned', runs: ['r'] } });
    const steps: string[] = [];
    const drained = bus.drain(async (route) => {
      steps.push(`${route.name} started`);
      bus.requestStop('SIGTERM'); // the signal arrives while the step runs
      await new Promise((r) => setTimeout(r, 10));
      steps.push(`${route.name} ended`);
      return 'ok';
    });
    await expect(drained).rejects.toEqual(expect.any(PassInterrupted));
    const error = (await drained.catch((e: unknown) => e)) as PassInterrupted;
    expect([error.signal, error.lastRoute, error.exitCode]).toEqual(['SIGTERM', 'raw-crawled-transform-cleaned', 143]);
    expect(steps).toEqual(['raw-crawled-transform-cleaned started', 'raw-crawled-transform-cleaned ended']);
    expect(bus.deliveries.map((d) => d.route)).toEqual(['raw-crawled-transform-cleaned']);
    expect(bus.stopRequested).toBe('SIGTERM');
  });

  it('gives the shell exit codes of the signals', () => {
    expect([signalExitCode('SIGINT'), signalExitCode('SIGTERM')]).toEqual([130, 143]);
  });

  it('asks the bus to stop on the first SIGINT and removes its handlers afterwards', async () => {
    const asked: string[] = [];
    const notices: string[] = [];
    const before = process.listenerCount('SIGINT');
    await stoppingAtSafePoint(
      { requestStop: (signal) => asked.push(signal) },
      async () => {
        expect(process.listenerCount('SIGINT')).toBe(before + 1);
        process.emit('SIGINT', 'SIGINT');
      },
      (line) => notices.push(line),
    );
    expect(asked).toEqual(['SIGINT']);
    expect(notices).toEqual([expect.stringMatching(/SIGINT received: stopping after the current step/)]);
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
