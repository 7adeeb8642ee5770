/**
 * RawRunFolders over the raw zone's S3 bucket (core/ports.ts), for the
 * deployed sweep's removal of runs the ledger never recorded
 * (core/unrecorded-runs.ts).
 *
 * - Listing: one ListObjectsV2 walk per source table under
 *   `<table>/run_id=`, every page followed (`IsTruncated` /
 *   `NextContinuationToken`, at most 1,000 keys a page), with `StartAfter`
 *   `<table>/run_id=<since>` so only runs at or after `since` are read (keys
 *   list in UTF-8 binary order and run ids sort by time). A folder's time is
 *   the newest LastModified of its objects. Manifests are listed the same way
 *   under `_manifests/`.
 * - Removal: the folder's objects listed afresh and deleted with
 *   DeleteObjects, at most 1,000 keys a request, quiet mode, any per-key
 *   error thrown (S3ObjectStore.deletePrefix).
 *
 * Only the source tables' folders are looked at (definition/tables.ts): the
 * raw zone's other top-level prefixes (`_ledger/`, `_manifests/`,
 * `_rejects/`, `landing/`, …) are never listed or touched.
 *
 * Sources: Amazon S3 API Reference, "ListObjectsV2" (StartAfter, pagination,
 * MaxKeys default 1,000) and "DeleteObjects" (up to 1,000 keys per request,
 * per-key Errors in a 200 response); request shapes checked against
 * test/fixtures/aws-api-constraints/s3.json in the tests.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { RawRunFolder, RawRunFolders } from '../../core/ports';
import { isRunId } from '../../core/run-id';
import { keys, MANIFEST_PREFIX } from '../../definition/object-keys';
import { SOURCE_TABLES } from '../../definition/tables';
import { awsCall } from './classify-aws-error';
import { S3ObjectStore } from './s3-object-store';

/** One listed object. */
interface Listed {
  key: string;
  modified: Date;
}

/** RawRunFolders over the raw bucket (module comment). */
export class S3RawRunFolders implements RawRunFolders {
  private readonly store: S3ObjectStore;

  /**
   * @param client S3 client
   * @param bucket the raw zone's bucket
   * @param tables the raw tables looked at (default: every source table)
   */
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    private readonly tables: readonly string[] = SOURCE_TABLES.map((t) => t.name),
  ) {
    this.store = new S3ObjectStore('raw', client, bucket);
  }

  /** Every key under `prefix` after `startAfter` (when given), all pages. Classified SDK errors. */
  private async listAfter(prefix: string, startAfter?: string): Promise<Listed[]> {
    const out: Listed[] = [];
    let token: string | undefined;
    do {
      const page = await awsCall(`s3 ListObjectsV2 s3://${this.bucket}/${prefix}`, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            // The same request on every page, as the SDK's own paginator sends it; the token carries the position.
            ...(startAfter !== undefined ? { StartAfter: startAfter } : {}),
            ContinuationToken: token,
          }),
        ),
      );
      for (const o of page.Contents ?? [])
        if (o.Key !== undefined) out.push({ key: o.Key, modified: o.LastModified ?? new Date(0) });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  /**
   * The `<table>/run_id=<run>/` folders of the source tables (runs at or
   * after `since` when given), in key order, each dated by its newest object.
   * Throws classified SDK errors (TransientError / TerminalError).
   */
  async list(since?: string): Promise<RawRunFolder[]> {
    const folders = new Map<string, RawRunFolder>();
    for (const table of this.tables) {
      const prefix = `${table}/run_id=`;
      for (const o of await this.listAfter(prefix, since === undefined ? undefined : `${prefix}${since}`)) {
        const slash = o.key.indexOf('/', prefix.length);
        if (slash < 0) continue; // an object named like a folder, not inside one
        const runId = o.key.slice(prefix.length, slash);
        const folder = keys.runFolder(table, runId);
        const seen = folders.get(folder);
        if (!seen) folders.set(folder, { table, runId, folder, modified: o.modified });
        else if (o.modified > seen.modified) seen.modified = o.modified;
      }
    }
    return [...folders.values()].sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0));
  }

  /** Run ids with a `_manifests/<run>.json` object (at or after `since` when given). Classified SDK errors. */
  async manifests(since?: string): Promise<Set<string>> {
    const listed = await this.listAfter(MANIFEST_PREFIX, since === undefined ? undefined : `${MANIFEST_PREFIX}${since}`);
    return new Set(
      listed
        .map((o) => o.key.slice(MANIFEST_PREFIX.length))
        .filter((name) => name.endsWith('.json'))
        .map((name) => name.slice(0, -'.json'.length))
        .filter(isRunId),
    );
  }

  /**
   * Deletes every object under the folder (DeleteObjects, 1,000 keys a
   * request). Returns how many. Throws TerminalError when S3 reports per-key
   * errors, classified SDK errors otherwise.
   */
  async remove(folder: RawRunFolder): Promise<number> {
    return this.store.deletePrefix(keys.runFolder(folder.table, folder.runId));
  }
}
