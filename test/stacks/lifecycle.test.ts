/**
 * The lake's lifecycle rules as data (lifecycle/rules.ts) and their local
 * application (lifecycle/plan.ts).
 */
import { planLifecycle, lifecycleDueAt } from '../../lifecycle/plan';
import {
  DEFAULT_LIFECYCLE,
  GLACIER_MINIMUM_STORAGE_DAYS,
  lakeLifecycle,
  lifecycleProblems,
  type LakeLifecycle,
} from '../../lifecycle/rules';
import { PROCESSED_LANDING_PREFIX } from '../../jobs/lib/definition/object-keys';

const day = (iso: string) => new Date(`${iso}T00:00:00.000Z`);

describe('lake lifecycle rules', () => {
  it('archive to Glacier after a year, small objects included, and expire no earlier than 455 days', () => {
    const { archive } = DEFAULT_LIFECYCLE;
    expect(archive.transitionDays).toBe(365);
    expect(archive.storageClass).toBe('GLACIER');
    expect(archive.transitionDefaultMinimumObjectSize).toBe('varies_by_storage_class');
    expect(archive.expiryDays).toBeGreaterThanOrEqual(455);
    expect(archive.abortIncompleteMultipartDays).toBeGreaterThan(0);
  });

  it('delete the data an archive expiry leaves behind as a noncurrent version once it has served Glacier’s minimum, not 90 days later', () => {
    const { archive } = DEFAULT_LIFECYCLE;
    // Expiry on a versioned bucket only turns the object into a noncurrent version; this is when it is gone.
    const deletedOnDay = archive.expiryDays + archive.noncurrentVersionExpiryDays;
    expect(archive.expiryDays - archive.transitionDays).toBeGreaterThanOrEqual(GLACIER_MINIMUM_STORAGE_DAYS);
    expect(deletedOnDay).toBeLessThanOrEqual(archive.transitionDays + GLACIER_MINIMUM_STORAGE_DAYS + 1);
    expect(archive.noncurrentVersionExpiryDays).toBeGreaterThanOrEqual(1);
  });

  it('expire processed landing files in the raw zone only, after the configured days', () => {
    const rules = lakeLifecycle(12);
    expect(rules.zones.raw.landingExpiry).toEqual({ prefix: PROCESSED_LANDING_PREFIX, days: 12 });
    expect(rules.zones.cleaned.landingExpiry).toBeUndefined();
    expect(rules.zones.transformed.landingExpiry).toBeUndefined();
    expect(lifecycleProblems(rules)).toEqual([]);
  });

  it('report an archive that would expire inside Glacier’s minimum, and bad day counts', () => {
    const bad: LakeLifecycle = {
      ...DEFAULT_LIFECYCLE,
      zones: {
        ...DEFAULT_LIFECYCLE.zones,
        raw: { ...DEFAULT_LIFECYCLE.zones.raw, landingExpiry: { prefix: '_processed/', days: 0 } },
      },
      archive: { ...DEFAULT_LIFECYCLE.archive, expiryDays: 400, noncurrentVersionExpiryDays: 0 },
    };
    const problems = lifecycleProblems(bad);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^zones\.raw\.landingExpiry\.days/),
        expect.stringMatching(/^archive\.expiryDays \(400\) must be ≥ transitionDays \+ 90 \(455\)/),
        expect.stringMatching(/^archive\.noncurrentVersionExpiryDays must be a whole number of days ≥ 1/),
      ]),
    );
    expect(problems).toHaveLength(3);
  });
});

describe('planLifecycle', () => {
  it('falls due at creation + days rounded up to the next midnight UTC, as S3 does', () => {
    expect(lifecycleDueAt(new Date('2025-01-01T10:30:00Z'), 30).toISOString()).toBe('2025-02-01T00:00:00.000Z');
    expect(lifecycleDueAt(day('2025-01-01'), 1).toISOString()).toBe('2025-01-02T00:00:00.000Z');
  });

  it('expires only processed landing files in a zone, once due', () => {
    const objects = [
      { key: '_processed/landing/sales_order/a.csv', modified: new Date('2025-01-01T10:00:00Z') },
      { key: '_processed/landing/sales_order/b.csv', modified: new Date('2025-01-20T10:00:00Z') },
      { key: 'landing/sales_order/waiting.csv', modified: new Date('2024-01-01T10:00:00Z') },
      { key: 'sales_order/run_id=20250101t100000z/part-00000.jsonl.gz', modified: new Date('2024-01-01T10:00:00Z') },
    ];
    const actions = planLifecycle({ kind: 'zone', zone: 'raw' }, objects, day('2025-02-01'), lakeLifecycle(30));
    expect(actions).toEqual([
      { key: '_processed/landing/sales_order/a.csv', action: 'expire', rule: 'landing-expiry', dueAt: day('2025-02-01') },
    ]);
    expect(planLifecycle({ kind: 'zone', zone: 'cleaned' }, objects, day('2030-01-01'))).toEqual([]);
  });

  it('transitions archive objects after a year and expires them after 455 days', () => {
    const created = new Date('2024-01-01T08:00:00Z');
    const objects = [{ key: 'sales_order/run_id=x/part-00000.jsonl.gz', modified: created }];
    const at = (iso: string) => planLifecycle({ kind: 'archive', zone: 'raw' }, objects, day(iso)).map((a) => a.action);
    expect(at('2024-12-31')).toEqual([]);
    expect(at('2025-01-01')).toEqual(['transition']);
    expect(at('2025-03-31')).toEqual(['transition']);
    expect(at('2025-04-01')).toEqual(['expire']);
  });
});
