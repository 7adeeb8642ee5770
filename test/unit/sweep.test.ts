import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileRunLedger } from '../../jobs/lib/adapters/fs/file-run-ledger';
import { routesFor, type ChainMode } from '../../jobs/lib/definition/routes';
import type { PipelineEvent } from '../../jobs/lib/definition/events';
import type { RunRecord } from '../../jobs/lib/core/ports';
import { sweep } from '../../jobs/sweep/sweep';
import { recordingLogger, runAt } from './aws/helpers';

const NOW = new Date('2025-02-25T15:00:00.000Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

const run = (runId: string, stage: RunRecord['stage'], updatedAt: string, failed = false): RunRecord =>
  runAt(runId, stage, updatedAt, failed ? { failed: { step: 'transform:cleaned', at: updatedAt, error: 'bad SQL' } } : {});

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lakehouse-sweep-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function ledgerWith(runs: RunRecord[]): Promise<FileRunLedger> {
  const ledger = new FileRunLedger(dir);
  for (const r of runs) await ledger.createRun(r);
  return ledger;
}

describe('sweep', () => {
  it('re-emits, per stage, the ZoneWritten that starts the crawl each stuck run waits for', async () => {
    const ledger = await ledgerWith([
      run('20250225t120000z', 'extracted', minutesAgo(90)),
      run('20250225t121500z', 'extracted', minutesAgo(45)),
      run('20250225t123000z', 'cleaned', minutesAgo(40)),
      run('20250225t124500z', 'transformed', minutesAgo(31)),
      run('20250225t130000z', 'transformed', minutesAgo(5)), // recent: not stuck
      run('20250225t131500z', 'cleaned', minutesAgo(120), true), // failed: waits for a person
      run('20250225t110000z', 'loaded', minutesAgo(300)), // done
    ]);
    const published: PipelineEvent[] = [];
    const { logger, entries } = recordingLogger();
    const result = await sweep(
      { thresholdMs: 30 * 60_000 },
      { ledger, events: { publish: async (e) => void published.push(e) }, clock: { now: () => NOW }, logger },
    );
    expect(result).toEqual({
      pending: 5,
      nudged: [
        { stage: 'extracted', zone: 'raw', runs: ['20250225t120000z', '20250225t121500z'] },
        { stage: 'cleaned', zone: 'cleaned', runs: ['20250225t123000z'] },
        { stage: 'transformed', zone: 'transformed', runs: ['20250225t124500z'] },
      ],
    });
    expect(published).toEqual(
      result.nudged.map((n) => ({ source: 'lakehouse', 'detail-type': 'ZoneWritten', detail: { zone: n.zone, runs: n.runs } })),
    );
    expect(entries.filter((e) => e.level === 'warn')).toHaveLength(3);
  });

  it('each re-emitted event starts a crawl of the zone the run waits on (pipeline routes)', async () => {
    const ledger = await ledgerWith([
      run('20250225t120000z', 'extracted', minutesAgo(90)),
      run('20250225t123000z', 'cleaned', minutesAgo(90)),
      run('20250225t124500z', 'transformed', minutesAgo(90)),
    ]);
    const published: PipelineEvent[] = [];
    await sweep(
      { thresholdMs: 60_000 },
      {
        ledger,
        events: { publish: async (e) => void published.push(e) },
        clock: { now: () => NOW },
        logger: recordingLogger().logger,
      },
    );
    const next = (mode: ChainMode) =>
      published.map((e) => routesFor(e, mode).map((r) => [r.step, r.input.zone ?? r.input.target ?? '']));
    expect(next('crawler')).toEqual([[['crawl', 'raw']], [['crawl', 'cleaned']], [['crawl', 'transformed']]]);
    // In direct mode the same nudges start the waiting step itself; the raw zone still goes through its crawl.
    expect(next('direct')).toEqual([[['crawl', 'raw']], [['transform', 'transformed']], [['load', '']]]);
  });

  it('publishes nothing when no run is stuck', async () => {
    const ledger = await ledgerWith([run('20250225t130000z', 'cleaned', minutesAgo(1))]);
    const published: PipelineEvent[] = [];
    const result = await sweep(
      { thresholdMs: 30 * 60_000 },
      {
        ledger,
        events: { publish: async (e) => void published.push(e) },
        clock: { now: () => NOW },
        logger: recordingLogger().logger,
      },
    );
    expect(result).toEqual({ pending: 1, nudged: [] });
    expect(published).toEqual([]);
  });
});
