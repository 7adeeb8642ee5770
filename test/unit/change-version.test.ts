/**
 * The version rule of change capture (jobs/extract/change-extract.ts
 * `changeVersion`): the source's last_updated when the change moved it
 * forward, else the commit time, at least 1 ms after what it replaces, and
 * strictly increasing per key within a run.
 */
import type { CapturedChange } from '../../jobs/lib/core/change-capture';
import { changeVersion } from '../../jobs/extract/change-extract';

const FIVE_MINUTES = 300_000;
const change = (over: Partial<CapturedChange>): CapturedChange => ({
  table: 'sales_order',
  op: 'update',
  row: { sales_order_id: 1, last_updated: '2026-01-02T10:00:00.000' },
  old: { sales_order_id: 1, last_updated: '2026-01-01T10:00:00.000' },
  lsn: '00000000/01000000',
  commitTime: '2026-01-02T10:00:00.020',
  ...over,
});

describe('changeVersion', () => {
  it("keeps the source's last_updated when an update moved it forward, and an insert's own", () => {
    expect(changeVersion(change({}), undefined, FIVE_MINUTES)).toBe('2026-01-02T10:00:00.000');
    expect(changeVersion(change({ op: 'insert', old: null }), undefined, FIVE_MINUTES)).toBe('2026-01-02T10:00:00.000');
  });

  it('gives an update that left last_updated unchanged (or moved it back) its commit time', () => {
    const same = change({ row: { sales_order_id: 1, last_updated: '2026-01-01T10:00:00.000' } });
    expect(changeVersion(same, undefined, FIVE_MINUTES)).toBe('2026-01-02T10:00:00.020');
    const back = change({ row: { sales_order_id: 1, last_updated: '2025-12-31T10:00:00.000' } });
    expect(changeVersion(back, undefined, FIVE_MINUTES)).toBe('2026-01-02T10:00:00.020');
  });

  it('gives a delete its commit time, at least 1 ms after the version it ends', () => {
    const gone = change({ op: 'delete', row: { sales_order_id: 1, last_updated: '2026-01-01T10:00:00.000' }, old: null });
    expect(changeVersion(gone, undefined, FIVE_MINUTES)).toBe('2026-01-02T10:00:00.020');
    // A last_updated stamped after the commit (a clock ahead of the server's): still after it.
    const ahead = change({ op: 'delete', row: { sales_order_id: 1, last_updated: '2026-01-03T00:00:00.000' }, old: null });
    expect(changeVersion(ahead, undefined, FIVE_MINUTES)).toBe('2026-01-03T00:00:00.001');
  });

  it('versions an insert of old values (a key inserted again) by its commit, past the lookback', () => {
    const again = change({ op: 'insert', old: null, row: { sales_order_id: 1, last_updated: '2025-06-01T00:00:00.000' } });
    expect(changeVersion(again, undefined, FIVE_MINUTES)).toBe('2026-01-02T10:00:00.020');
  });

  it('keeps the versions of one key strictly increasing within a run', () => {
    expect(changeVersion(change({}), '2026-01-02T10:00:00.000', FIVE_MINUTES)).toBe('2026-01-02T10:00:00.001');
    expect(changeVersion(change({}), '2026-01-05T00:00:00.000', FIVE_MINUTES)).toBe('2026-01-05T00:00:00.001');
  });
});
