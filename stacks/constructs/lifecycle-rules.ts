/**
 * Turns the lifecycle data (lifecycle/rules.ts) into S3 lifecycle rules.
 * Rule ids are stable so a change to the numbers updates rules in place.
 *
 * Every bucket here is versioned, so expiring a current version leaves a
 * noncurrent version and a delete marker behind: each bucket's rules expire
 * noncurrent versions and remove expired object delete markers (markers with
 * no versions left). `ExpiredObjectDeleteMarker` cannot share an Expiration
 * with Days or Date (S3 API reference, "LifecycleExpiration",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html),
 * so where a rule expires by days the marker clean-up is a rule of its own.
 */
import type { S3BucketLifecycleConfigurationRule } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import type { ArchiveLifecycle, ZoneLifecycle } from '../../lifecycle/rules';

/** A filter matching every object. */
const EVERYTHING = [{ prefix: '' }];

/** Rules of a zone bucket: landing expiry (raw), noncurrent version expiry and delete-marker clean-up, multipart abort. */
export function zoneLifecycleRules(zone: ZoneLifecycle): S3BucketLifecycleConfigurationRule[] {
  const rules: S3BucketLifecycleConfigurationRule[] = [
    {
      id: 'noncurrent-versions',
      status: 'Enabled',
      filter: EVERYTHING,
      noncurrentVersionExpiration: [{ noncurrentDays: zone.noncurrentVersionExpiryDays }],
      expiration: [{ expiredObjectDeleteMarker: true }],
    },
    {
      id: 'abort-incomplete-multipart',
      status: 'Enabled',
      filter: EVERYTHING,
      abortIncompleteMultipartUpload: [{ daysAfterInitiation: zone.abortIncompleteMultipartDays }],
    },
  ];
  if (zone.landingExpiry) {
    rules.unshift({
      id: 'landing-expiry',
      status: 'Enabled',
      filter: [{ prefix: zone.landingExpiry.prefix }],
      expiration: [{ days: zone.landingExpiry.days }],
    });
  }
  return rules;
}

/** A rule removing expired object delete markers (no days, so it stands alone). */
const EXPIRED_DELETE_MARKERS: S3BucketLifecycleConfigurationRule = {
  id: 'expired-delete-markers',
  status: 'Enabled',
  filter: EVERYTHING,
  expiration: [{ expiredObjectDeleteMarker: true }],
};

/**
 * Rules of an archive bucket: Glacier after `transitionDays` (small objects included), expiry, noncurrent
 * expiry (what deletes the expired data), expired delete-marker removal, multipart abort.
 */
export function archiveLifecycleRules(archive: ArchiveLifecycle): S3BucketLifecycleConfigurationRule[] {
  return [
    {
      id: 'archive-glacier-then-expire',
      status: 'Enabled',
      filter: EVERYTHING,
      transition: [{ days: archive.transitionDays, storageClass: archive.storageClass }],
      expiration: [{ days: archive.expiryDays }],
      noncurrentVersionExpiration: [{ noncurrentDays: archive.noncurrentVersionExpiryDays }],
    },
    EXPIRED_DELETE_MARKERS,
    {
      id: 'abort-incomplete-multipart',
      status: 'Enabled',
      filter: EVERYTHING,
      abortIncompleteMultipartUpload: [{ daysAfterInitiation: archive.abortIncompleteMultipartDays }],
    },
  ];
}

/** Rules of the Athena results bucket: results expire after `days`; multipart uploads abort after a day. */
export function queryResultsLifecycleRules(days: number): S3BucketLifecycleConfigurationRule[] {
  return [
    { id: 'results-expiry', status: 'Enabled', filter: EVERYTHING, expiration: [{ days }] },
    {
      id: 'abort-incomplete-multipart',
      status: 'Enabled',
      filter: EVERYTHING,
      abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
    },
  ];
}
