/**
 * Replication of a zone folder to its archive folder: the local stand-in for
 * the S3 replication rule that copies every object written to a zone bucket
 * into the zone's 1-year archive bucket (docs/architecture.md "The chain and its two runtimes"; locally
 * `.lakehouse/zones/<zone>-archive/`).
 *
 * Copies go by path (`fs.copyFile`, copy-on-write where the file system can),
 * so no object is read into memory. Each copy keeps the source's modification
 * time, because the archive lifecycle rules (365 days to Glacier, 455 to
 * expiry, lifecycle/rules.ts) count from when the object was written to the
 * zone, as S3 does for a replica.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { DEFAULT_LIFECYCLE, type LakeLifecycle } from '../../../../lifecycle/rules';
import { lifecycleDueAt } from '../../../../lifecycle/plan';
import type { ObjectInfo } from '../../core/ports';
import { fsFailure } from './fs-errors';
import type { FsObjectStore } from './fs-object-store';
import { tempPathFor } from './temp-path';

/** What one replication pass did (or, in a dry run, would do). */
export interface ReplicationResult {
  /** Objects copied to the archive (dry run: that would be copied), with the zone copy's key, size and time. */
  copied: ObjectInfo[];
  /** Sum of `copied` sizes, in bytes. */
  bytes: number;
  /** Objects the archive already held, as new as the zone's copy. */
  upToDate: number;
  /**
   * Objects not copied because their archive copy would already be past the
   * archive expiry at `now`: on S3 they were replicated when written and have
   * expired since, so copying them again would only resurrect them.
   */
  pastExpiry: number;
  /** Objects that disappeared from the zone between listing and copying (moved or deleted meanwhile). */
  vanished: number;
}

/** Options of {@link replicateToArchive}. */
export interface ReplicationOptions {
  /** The time of the pass, UTC (for the past-expiry check). Default: the current time. */
  now?: Date;
  /** Lifecycle rules whose archive expiry applies. Default `DEFAULT_LIFECYCLE`. */
  rules?: LakeLifecycle;
  /** Plan only: list what would be copied and change nothing. */
  dryRun?: boolean;
}

/**
 * Copies `object` from `zone` to the same key in `archive` through a
 * temporary file (named like the object store's, so listings skip it) and
 * sets the copy's modification time to the object's. Resolves false when the
 * object no longer exists in the zone.
 */
async function copyKeepingTime(
  zone: FsObjectStore,
  archive: FsObjectStore,
  object: ObjectInfo,
  accessed: Date,
): Promise<boolean> {
  const target = archive.uri(object.key);
  await fs.mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    await fs.copyFile(zone.uri(object.key), tmp, fsConstants.COPYFILE_FICLONE);
    await fs.utimes(tmp, accessed, object.modified);
    await fs.rename(tmp, target);
    return true;
  } catch (error) {
    await fs.rm(tmp, { force: true });
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !(await zone.exists(object.key))) return false;
    throw error;
  }
}

/**
 * Copies every object of `zone` that `archive` does not hold yet into
 * `archive` under the same key, keeping the object's modification time.
 * An object the archive holds with an older modification time was rewritten
 * in the zone and is copied again (S3 replicates every write; locally the
 * archive keeps only the newest copy). Objects whose archive copy would be
 * past the archive expiry at `now` are not copied (see
 * {@link ReplicationResult.pastExpiry}). Temporary files are never listed,
 * so never copied. Idempotent: a second pass copies nothing.
 *
 * @param zone    the zone folder (`homePaths(home).zone(z)`)
 * @param archive the zone's archive folder (`homePaths(home).archive(z)`)
 * @returns the counts; `copied` in zone key order
 * @throws TerminalError when a copy fails for a reason a retry will not fix
 *   (permissions, read-only or full disk); TransientError for any other file
 *   system failure. Both keep the original error as `cause`; objects copied
 *   before the failure stay copied.
 */
export async function replicateToArchive(
  zone: FsObjectStore,
  archive: FsObjectStore,
  options: ReplicationOptions = {},
): Promise<ReplicationResult> {
  const now = options.now ?? new Date();
  const rules = options.rules ?? DEFAULT_LIFECYCLE;
  const [objects, archived] = await Promise.all([zone.list(''), archive.list('')]);
  const held = new Map(archived.map((o) => [o.key, o.modified.getTime()]));
  const result: ReplicationResult = { copied: [], bytes: 0, upToDate: 0, pastExpiry: 0, vanished: 0 };

  for (const object of objects) {
    const heldAt = held.get(object.key);
    if (heldAt !== undefined && heldAt >= object.modified.getTime()) {
      result.upToDate++;
      continue;
    }
    if (now >= lifecycleDueAt(object.modified, rules.archive.expiryDays)) {
      result.pastExpiry++;
      continue;
    }
    if (!options.dryRun) {
      let copied: boolean;
      try {
        copied = await copyKeepingTime(zone, archive, object, now);
      } catch (error) {
        throw fsFailure(`copying ${zone.zone}/${object.key} to its archive`, error);
      }
      if (!copied) {
        result.vanished++;
        continue;
      }
    }
    result.copied.push(object);
    result.bytes += object.size;
  }
  return result;
}
