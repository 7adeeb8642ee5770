import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileRunLedger } from '../../jobs/lib/adapters/fs/file-run-ledger';
import { waitForIdleChain } from '../../jobs/lib/core/idle-chain';
import type { RunRecord } from '../../jobs/lib/core/ports';

const T0 = Date.parse('2026-12-03T10:00:00Z');
const run = (runId: string, stage: RunRecord['stage'], extra: Partial<RunRecord> = {}): RunRecord => ({
  runId,
  origin: 'extract',
  stage,
  createdAt: new Date(T0).toISOString(),
  updatedAt: new Date(T0).toISOString(),
  history: {},
  counts: {},
  ...extra,
});

let dir: string;
let ledger: FileRunLedger;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'idle-chain-'));
  ledger = new FileRunLedger(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A clock that only moves when the waiter sleeps; `onSleep` runs at each sleep (the chain moving meanwhile). */
function time(onSleep: (sleptMs: number) => Promise<void> = async () => undefined) {
  let now = T0;
  const slept: number[] = [];
  return {
    slept,
    clock: { now: () => new Date(now) },
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
      await onSleep(now - T0);
    },
  };
}

describe('waitForIdleChain', () => {
  it('returns at once when no run is open', async () => {
    const t = time();
    expect(await waitForIdleChain(ledger, { maxWaitMs: 60_000, pollMs: 10_000, ...t })).toEqual([]);
    expect(t.slept).toEqual([]);
  });

  it('waits while a run moves through the chain and returns once it is loaded', async () => {
    await ledger.createRun(run('20261203t100000z', 'extracted'));
    const t = time(async (elapsed) => {
      if (elapsed >= 30_000) await ledger.updateRun('20261203t100000z', (r) => ({ ...r, stage: 'loaded' }));
    });
    expect(await waitForIdleChain(ledger, { maxWaitMs: 120_000, pollMs: 10_000, ...t })).toEqual([]);
    expect(t.slept).toEqual([10_000, 10_000, 10_000]);
  });

  it('gives up after maxWaitMs, returning the runs still moving', async () => {
    await ledger.createRun(run('20261203t100000z', 'cleaned'));
    const t = time();
    const left = await waitForIdleChain(ledger, { maxWaitMs: 25_000, pollMs: 10_000, ...t });
    expect(left.map((r) => [r.runId, r.stage])).toEqual([['20261203t100000z', 'cleaned']]);
    expect(t.slept).toEqual([10_000, 10_000, 5_000]);
  });

  it('does not wait for failed runs: they wait for a person', async () => {
    await ledger.createRun(
      run('20261203t100000z', 'extracted', { failed: { step: 'transform', at: new Date(T0).toISOString(), error: 'bad SQL' } }),
    );
    const t = time();
    const left = await waitForIdleChain(ledger, { maxWaitMs: 60_000, pollMs: 10_000, ...t });
    expect(left.map((r) => r.runId)).toEqual(['20261203t100000z']);
    expect(t.slept).toEqual([]);
  });

  it('rejects a zero poll interval', async () => {
    await expect(waitForIdleChain(ledger, { maxWaitMs: 1, pollMs: 0, ...time() })).rejects.toThrow(RangeError);
  });
});
