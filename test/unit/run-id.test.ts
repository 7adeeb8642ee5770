import { assertRunId, isRunId, newRunId, runIdAttempt, runStamp } from '../../jobs/lib/core/run-id';

describe('run ids', () => {
  const at = new Date('2025-02-25T13:26:09.875Z');

  it('are a sortable UTC stamp', () => {
    expect(runStamp(at)).toBe('20250225t132609z');
    expect(runStamp(new Date('2025-02-25T13:26:10Z')) > runStamp(at)).toBe(true);
  });

  it('get a suffix when the second is taken', () => {
    expect(newRunId(at)).toBe('20250225t132609z');
    expect(newRunId(at, new Set(['20250225t132609z']))).toBe('20250225t132609z_2');
    expect(newRunId(at, new Set(['20250225t132609z', '20250225t132609z_2']))).toBe('20250225t132609z_3');
  });

  it('are tried in claim order: the stamp, then _2, _3 …, each a valid run id', () => {
    expect([1, 2, 3].map((n) => runIdAttempt('20250225t132609z', n))).toEqual([
      '20250225t132609z',
      '20250225t132609z_2',
      '20250225t132609z_3',
    ]);
    expect(isRunId(runIdAttempt('20250225t132609z', 12))).toBe(true);
    expect(() => runIdAttempt('20250225t132609z', 0)).toThrow(TypeError);
  });

  it('are validated before use in paths and SQL', () => {
    expect(isRunId('20250225t132609z_2')).toBe(true);
    expect(isRunId("x'; drop table t; --")).toBe(false);
    expect(() => assertRunId('../etc')).toThrow(TypeError);
  });
});
