/**
 * Retention and archive rules per zone, as data. The lake stack turns them
 * into S3 lifecycle configurations; a local `lakehouse lifecycle` command can
 * apply the same rules to the zone folders with `planLifecycle`
 * (lifecycle/plan.ts), so both runtimes keep data for the same time.
 *
 * Sources of the numbers: docs/architecture.md "Conventions" (objects under 128 KB only transition
 * when the minimum object size is `varies_by_storage_class`; Glacier Flexible
 * Retrieval bills 90 days minimum, so archives expire no earlier than
 * 365 + 90 = 455 days) and the S3 lifecycle documentation.
 */
import { ZONES, type Zone } from '../jobs/lib/definition/zones';
import { PROCESSED_LANDING_PREFIX } from '../jobs/lib/definition/object-keys';

/** S3 lifecycle rule setting for which objects may transition: all sizes (small objects included). */
export const TRANSITION_MINIMUM_OBJECT_SIZE = 'varies_by_storage_class' as const;

/** Glacier Flexible Retrieval's minimum storage duration, in days. */
export const GLACIER_MINIMUM_STORAGE_DAYS = 90;

/** Rules of a zone bucket (the working copy the pipeline reads and writes). */
export interface ZoneLifecycle {
  zone: Zone;
  /**
   * Expiry of processed landing data: objects under `prefix` (relative to the
   * zone root) expire `days` after they were written. Only the raw zone has a
   * landing area; the ingest step turns each landed file into a run and moves
   * the file to `_processed/<original key>`, where it is redundant (the run
   * and the archive keep the data). Unprocessed and quarantined files are
   * never expired: they wait for the ingest step or for a person.
   */
  landingExpiry?: { prefix: string; days: number };
  /** Days after which a superseded (noncurrent) version expires; the archive keeps its replica. */
  noncurrentVersionExpiryDays: number;
  /** Days after which an incomplete multipart upload is aborted. */
  abortIncompleteMultipartDays: number;
}

/** Rules of a zone's 1-year archive bucket (every object written to the zone is replicated there). */
export interface ArchiveLifecycle {
  /** Days after creation when objects move to `storageClass`. */
  transitionDays: number;
  storageClass: 'GLACIER';
  /** Which object sizes transition: `varies_by_storage_class` lets small objects transition too. */
  transitionDefaultMinimumObjectSize: typeof TRANSITION_MINIMUM_OBJECT_SIZE;
  /** Days after creation when objects expire; at least transitionDays + 90 (Glacier's minimum). */
  expiryDays: number;
  /**
   * Days after which a noncurrent version expires. On a versioned bucket,
   * expiring an object only adds a delete marker and keeps the expired data as
   * a noncurrent version (S3 user guide, "Expiring objects",
   * https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html),
   * so this is what actually deletes archived data. An object expired at
   * `expiryDays` has already spent Glacier's 90-day minimum there, so keeping
   * its noncurrent version longer only pays Glacier for data the retention
   * rule has already let go; a version overwritten earlier while in Glacier
   * costs the same whether it is kept to day 90 or deleted early (S3 bills
   * the rest of the minimum either way).
   */
  noncurrentVersionExpiryDays: number;
  /** Days after which an incomplete multipart upload is aborted. */
  abortIncompleteMultipartDays: number;
}

/** Every lifecycle rule of the lake. */
export interface LakeLifecycle {
  zones: Record<Zone, ZoneLifecycle>;
  archive: ArchiveLifecycle;
  /** Days Athena query results (the workgroup's results bucket) are kept. */
  queryResultsExpiryDays: number;
}

/**
 * Builds the lake's lifecycle rules.
 * @param landingExpiryDays days processed landing files stay in the raw zone's `_processed/` area (default 30)
 */
export function lakeLifecycle(landingExpiryDays = 30): LakeLifecycle {
  const zone = (z: Zone): ZoneLifecycle => ({
    zone: z,
    ...(z === 'raw' ? { landingExpiry: { prefix: PROCESSED_LANDING_PREFIX, days: landingExpiryDays } } : {}),
    noncurrentVersionExpiryDays: 30,
    abortIncompleteMultipartDays: 7,
  });
  return {
    zones: { raw: zone('raw'), cleaned: zone('cleaned'), transformed: zone('transformed') },
    archive: {
      transitionDays: 365,
      storageClass: 'GLACIER',
      transitionDefaultMinimumObjectSize: TRANSITION_MINIMUM_OBJECT_SIZE,
      expiryDays: 365 + GLACIER_MINIMUM_STORAGE_DAYS,
      // The day after expiry: the expired version has been in Glacier for 90 days by then (see ArchiveLifecycle).
      noncurrentVersionExpiryDays: 1,
      abortIncompleteMultipartDays: 7,
    },
    queryResultsExpiryDays: 30,
  };
}

/** The default rules (30-day landing expiry). */
export const DEFAULT_LIFECYCLE: LakeLifecycle = lakeLifecycle();

/**
 * Checks the rules are consistent and returns the problems found (empty when
 * valid): positive whole day counts, the archive expiring no earlier than its
 * transition plus Glacier's 90-day minimum (so the version expiry leaves
 * behind has served it), one rule set per zone.
 */
export function lifecycleProblems(rules: LakeLifecycle): string[] {
  const problems: string[] = [];
  const days = (label: string, n: number) => {
    if (!Number.isInteger(n) || n < 1) problems.push(`${label} must be a whole number of days ≥ 1 (got ${n})`);
  };
  for (const zone of ZONES) {
    const rule = rules.zones[zone];
    if (!rule || rule.zone !== zone) {
      problems.push(`zones.${zone} is missing or names another zone`);
      continue;
    }
    if (rule.landingExpiry) days(`zones.${zone}.landingExpiry.days`, rule.landingExpiry.days);
    days(`zones.${zone}.noncurrentVersionExpiryDays`, rule.noncurrentVersionExpiryDays);
    days(`zones.${zone}.abortIncompleteMultipartDays`, rule.abortIncompleteMultipartDays);
  }
  const a = rules.archive;
  days('archive.transitionDays', a.transitionDays);
  days('archive.expiryDays', a.expiryDays);
  days('archive.noncurrentVersionExpiryDays', a.noncurrentVersionExpiryDays);
  days('archive.abortIncompleteMultipartDays', a.abortIncompleteMultipartDays);
  days('queryResultsExpiryDays', rules.queryResultsExpiryDays);
  if (a.expiryDays < a.transitionDays + GLACIER_MINIMUM_STORAGE_DAYS) {
    problems.push(
      `archive.expiryDays (${a.expiryDays}) must be ≥ transitionDays + ${GLACIER_MINIMUM_STORAGE_DAYS} ` +
        `(${a.transitionDays + GLACIER_MINIMUM_STORAGE_DAYS}): Glacier bills 90 days minimum`,
    );
  }
  if (a.transitionDefaultMinimumObjectSize !== TRANSITION_MINIMUM_OBJECT_SIZE) {
    problems.push(
      `archive.transitionDefaultMinimumObjectSize must be ${TRANSITION_MINIMUM_OBJECT_SIZE} so small objects transition`,
    );
  }
  return problems;
}
