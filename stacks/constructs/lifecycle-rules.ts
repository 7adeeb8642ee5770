/**
 * Turns the lifecycle data (lifecycle/rules.ts) into S3 lifecycle rules.
 * Rule ids are stable so a change to the numbers updates rules in place.
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

/** Rules of an archive bucket: Glacier after `transitionDays` (small objects included), expiry, noncurrent expiry, multipart abort. */
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
