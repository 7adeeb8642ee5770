/**
 * Applies the lake's lifecycle rules (lifecycle/rules.ts) to a list of
 * objects, the way S3 does, so the local runtime can expire processed landing files and
 * age archive folders with the same numbers the lake stack deploys.
 *
 * Timing rule (S3 lifecycle documentation): an action is due at the object's
 * creation time plus the rule's days, rounded up to the next midnight UTC.
 */
import type { Zone } from '../jobs/lib/definition/zones';
import { DEFAULT_LIFECYCLE, type LakeLifecycle } from './rules';

const DAY_MS = 86_400_000;

/** An object as the planner needs it (the `ObjectInfo` of ports.ts fits). */
export interface AgedObject {
  /** Key relative to the zone (or archive) root, `/`-separated. */
  key: string;
  /** Creation / last modification time, UTC. */
  modified: Date;
}

/** What lifecycle does to one object now. */
export type LifecycleAction =
  | { key: string; action: 'expire'; rule: string; dueAt: Date }
  | { key: string; action: 'transition'; storageClass: 'GLACIER'; rule: string; dueAt: Date };

/** Which tree the objects come from: a zone (working copy) or a zone's archive. */
export type LifecycleTarget = { kind: 'zone'; zone: Zone } | { kind: 'archive'; zone: Zone };

/**
 * When a rule of `days` falls due for an object created at `created`: the
 * creation time plus `days`, rounded up to the next midnight UTC (S3's rule).
 */
export function lifecycleDueAt(created: Date, days: number): Date {
  const t = created.getTime() + days * DAY_MS;
  return new Date(Math.ceil(t / DAY_MS) * DAY_MS);
}

/**
 * The lifecycle actions due at `now` for `objects` of `target`, in input
 * order, at most one per object (expiry wins over transition, as on S3).
 * Zone: processed landing objects (`_processed/`) past the landing expiry expire. Archive: objects past
 * `expiryDays` expire; objects past `transitionDays` transition to Glacier
 * (locally a report only: there is no colder folder). Pure; throws nothing.
 */
export function planLifecycle(
  target: LifecycleTarget,
  objects: AgedObject[],
  now: Date,
  rules: LakeLifecycle = DEFAULT_LIFECYCLE,
): LifecycleAction[] {
  const actions: LifecycleAction[] = [];
  for (const object of objects) {
    if (target.kind === 'zone') {
      const landing = rules.zones[target.zone].landingExpiry;
      if (!landing || !object.key.startsWith(landing.prefix)) continue;
      const dueAt = lifecycleDueAt(object.modified, landing.days);
      if (now >= dueAt) actions.push({ key: object.key, action: 'expire', rule: 'landing-expiry', dueAt });
      continue;
    }
    const archive = rules.archive;
    const expireAt = lifecycleDueAt(object.modified, archive.expiryDays);
    if (now >= expireAt) {
      actions.push({ key: object.key, action: 'expire', rule: 'archive-expiry', dueAt: expireAt });
      continue;
    }
    const transitionAt = lifecycleDueAt(object.modified, archive.transitionDays);
    if (now >= transitionAt) {
      actions.push({
        key: object.key,
        action: 'transition',
        storageClass: archive.storageClass,
        rule: 'archive-transition',
        dueAt: transitionAt,
      });
    }
  }
  return actions;
}
