import { toUtcWallTimes, utcWallTime } from '../../jobs/ingest/zoned-timestamps';

describe('zoned ISO timestamps in landed files become the source convention (UTC wall time, no zone)', () => {
  it.each([
    ['2026-12-03T10:00:00Z', '2026-12-03T10:00:00'],
    ['2026-12-03T10:00:00.186z', '2026-12-03T10:00:00.186'],
    ['2026-12-03T11:00:00+01:00', '2026-12-03T10:00:00'],
    ['2026-12-03 11:00:00.123456+0100', '2026-12-03T10:00:00.123456'],
    ['2026-01-01T00:30:00+01', '2025-12-31T23:30:00'],
    ['2026-12-02T20:30:00-02:30', '2026-12-02T23:00:00'],
  ])('%s → %s', (zoned, wall) => {
    expect(utcWallTime(zoned)).toBe(wall);
  });

  it.each([
    '2026-12-03T10:00:00',
    '2026-02-30T10:00:00Z',
    '2026-12-03T24:00:00Z',
    '2026-12-03T10:00:00+25:00',
    'soon',
    '2026-12-03',
  ])('leaves %s alone (no zone, or not a real time: the cleaned zone judges it)', (text) => {
    expect(utcWallTime(text)).toBeUndefined();
  });

  it("converts only the table's timestamp columns", () => {
    const rows = [
      { currency_id: 1, currency_code: '2026-12-03T10:00:00Z', last_updated: '2026-12-03T11:00:00+01:00', created_at: null },
    ];
    expect(toUtcWallTimes('currency', rows)).toEqual([
      { currency_id: 1, currency_code: '2026-12-03T10:00:00Z', last_updated: '2026-12-03T10:00:00', created_at: null },
    ]);
  });
});
