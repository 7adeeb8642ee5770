/**
 * Applies the lake's lifecycle rules (lifecycle/rules.ts) to a local zone or
 * archive folder: the embedded stand-in for the S3 lifecycle configuration the
 * lake stack deploys. The decisions come from `planLifecycle`
 * (lifecycle/plan.ts), so both runtimes expire the same objects on the same
 * day; this file only carries them out.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { planLifecycle, type LifecycleAction, type LifecycleTarget } from '../../../../lifecycle/plan';
import { DEFAULT_LIFECYCLE, type LakeLifecycle } from '../../../../lifecycle/rules';
import { fsFailure } from './fs-errors';
import type { ObjectInfo } from '../../core/ports';
import type { FsObjectStore } from './fs-object-store';

/** A lifecycle action with the size of the object it concerns, in bytes. */
export type AppliedLifecycleAction = LifecycleAction & { size: number };

/** Options of {@link applyLifecycle}. */
export interface ApplyLifecycleOptions {
  /** Plan only: return the due actions and delete nothing. */
  dryRun?: boolean;
}

/**
 * The lifecycle actions due at `now` for `objects` (`planLifecycle`), each
 * with its object's size in bytes. Pure; changes nothing.
 */
export function planLifecycleWithSizes(
  target: LifecycleTarget,
  objects: ObjectInfo[],
  now: Date,
  rules: LakeLifecycle = DEFAULT_LIFECYCLE,
): AppliedLifecycleAction[] {
  const sizes = new Map(objects.map((o) => [o.key, o.size]));
  return planLifecycle(target, objects, now, rules).map((a) => ({ ...a, size: sizes.get(a.key) ?? 0 }));
}

/**
 * Removes the folders `keys` lived in once they are empty, deepest first,
 * never `root` itself and never a folder that still holds anything.
 */
async function pruneEmptyFolders(root: string, keys: string[]): Promise<void> {
  const folders = new Set<string>();
  for (const key of keys) {
    const parts = key.split('/');
    for (let depth = parts.length - 1; depth >= 1; depth--) folders.add(parts.slice(0, depth).join('/'));
  }
  const deepestFirst = [...folders].sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? -1 : 1));
  for (const folder of deepestFirst) {
    try {
      await fs.rmdir(join(root, ...folder.split('/')));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw error;
    }
  }
}

/**
 * Plans the lifecycle actions due at `now` for every object in `store`
 * (`planLifecycle` over `store.list('')`) and carries out the `expire` ones by
 * deleting the object. `transition` actions (archive objects due for Glacier)
 * are returned only: locally there is no colder storage class. For an archive
 * target, folders left empty by the deletions are removed too (only the
 * lifecycle command writes there); a zone's folders are left alone, because
 * the pipeline may be writing into them.
 *
 * @param store  the zone or archive folder
 * @param target which tree `store` is, choosing the rules that apply
 * @param now    the time of the pass, UTC
 * @param rules  the lake's rules (default `DEFAULT_LIFECYCLE`)
 * @returns the due actions in key order, each with the object's size; with
 *   `dryRun` nothing is deleted
 * @throws TerminalError when a deletion fails for a reason a retry will not
 *   fix (permissions, read-only disk), TransientError for any other deletion
 *   failure, both with the original as `cause` (deleting an object that is
 *   already gone is not an error; actions done before the failure stay done)
 */
export async function applyLifecycle(
  store: FsObjectStore,
  target: LifecycleTarget,
  now: Date,
  rules: LakeLifecycle = DEFAULT_LIFECYCLE,
  options: ApplyLifecycleOptions = {},
): Promise<AppliedLifecycleAction[]> {
  const actions = planLifecycleWithSizes(target, await store.list(''), now, rules);
  if (options.dryRun) return actions;
  const expired = actions.filter((a) => a.action === 'expire').map((a) => a.key);
  for (const key of expired) {
    try {
      await store.delete(key);
    } catch (error) {
      throw fsFailure(`expiring ${target.kind === 'archive' ? `${target.zone}-archive` : target.zone}/${key}`, error);
    }
  }
  if (target.kind === 'archive') {
    try {
      await pruneEmptyFolders(store.root, expired);
    } catch (error) {
      throw fsFailure(`removing empty folders of ${target.zone}-archive`, error);
    }
  }
  return actions;
}
