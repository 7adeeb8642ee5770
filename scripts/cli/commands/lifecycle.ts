/**
 * `lakehouse lifecycle [--dry-run] [--json]`: the local stand-in for S3
 * replication and lifecycle rules. For each zone it copies new objects to the
 * zone's archive folder, expires processed landing files (raw zone), expires
 * archive objects past the archive expiry and reports those due for Glacier,
 * with the rules of lifecycle/rules.ts. An explicit command: `lakehouse run`
 * does not call it.
 */
import type { Command } from 'commander';
import {
  applyLifecycle,
  planLifecycleWithSizes,
  type AppliedLifecycleAction,
} from '../../../jobs/lib/adapters/fs/apply-lifecycle';
import { replicateToArchive, type ReplicationResult } from '../../../jobs/lib/adapters/fs/archive-replication';
import { FsObjectStore } from '../../../jobs/lib/adapters/fs/fs-object-store';
import type { homePaths } from '../../../jobs/lib/runtimes/local/settings';
import { ZONES, type Zone } from '../../../jobs/lib/definition/zones';
import { DEFAULT_LIFECYCLE, type LakeLifecycle } from '../../../lifecycle/rules';
import { formatCount as fmt, textTable } from '../text-table';
import { withRuntime } from '../with-runtime';

/** What one lifecycle pass did (or would do) to one zone and its archive. */
export interface ZoneLifecycleReport {
  zone: Zone;
  replication: ReplicationResult;
  /** Due actions in the zone folder (expiry of processed landing files; raw only). */
  zoneActions: AppliedLifecycleAction[];
  /** Due actions in the archive folder: expiries done and transitions reported. */
  archiveActions: AppliedLifecycleAction[];
}

/** The result of a lifecycle pass. */
export interface LifecycleReport {
  /** The pass's time, ISO 8601 UTC. */
  at: string;
  dryRun: boolean;
  zones: ZoneLifecycleReport[];
}

/**
 * Runs one lifecycle pass over the zone folders of `paths` at `now` (UTC):
 * per zone, replication to the archive first (so a file is archived before
 * the zone expires it), then the zone rules, then the archive rules. With
 * `dryRun` nothing changes; the archive rules are then planned over the
 * archive as replication would leave it.
 * @throws TerminalError / TransientError from replication or expiry (see
 *   replicateToArchive, applyLifecycle); zones handled before stay handled
 */
export async function runLifecycle(
  paths: ReturnType<typeof homePaths>,
  now: Date,
  options: { dryRun?: boolean; rules?: LakeLifecycle } = {},
): Promise<LifecycleReport> {
  const dryRun = Boolean(options.dryRun);
  const rules = options.rules ?? DEFAULT_LIFECYCLE;
  const zones: ZoneLifecycleReport[] = [];
  for (const zone of ZONES) {
    const store = new FsObjectStore(zone, paths.zone(zone));
    const archive = new FsObjectStore(zone, paths.archive(zone));
    const replication = await replicateToArchive(store, archive, { now, rules, dryRun });
    const zoneActions = await applyLifecycle(store, { kind: 'zone', zone }, now, rules, { dryRun });
    let archiveActions: AppliedLifecycleAction[];
    if (dryRun) {
      // Plan over the archive plus the copies replication would have made.
      const objects = new Map((await archive.list('')).map((o) => [o.key, o]));
      for (const o of replication.copied) objects.set(o.key, o);
      const listed = [...objects.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      archiveActions = planLifecycleWithSizes({ kind: 'archive', zone }, listed, now, rules);
    } else {
      archiveActions = await applyLifecycle(archive, { kind: 'archive', zone }, now, rules);
    }
    zones.push({ zone, replication, zoneActions, archiveActions });
  }
  return { at: now.toISOString(), dryRun, zones };
}

/** Bytes in B, KB, MB or GB (powers of 1024, one decimal). */
function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Renders a lifecycle report: one table per zone (objects and bytes per action). */
export function renderLifecycle(report: LifecycleReport, rules: LakeLifecycle = DEFAULT_LIFECYCLE): string {
  const would = (done: string, planned: string) => (report.dryRun ? planned : done);
  const out: string[] = [
    report.dryRun
      ? `dry run at ${report.at}: nothing was changed; the tables show what a pass would do`
      : `lifecycle pass at ${report.at}`,
  ];
  const total = (actions: AppliedLifecycleAction[]) => actions.reduce((sum, a) => sum + a.size, 0);
  for (const z of report.zones) {
    const archive = `${z.zone}-archive`;
    const expiredZone = z.zoneActions.filter((a) => a.action === 'expire');
    const expiredArchive = z.archiveActions.filter((a) => a.action === 'expire');
    const glacier = z.archiveActions.filter((a) => a.action === 'transition');
    const landing = rules.zones[z.zone].landingExpiry;
    const table = textTable([`${z.zone}`, 'objects', 'size'], ['left', 'right', 'right']);
    table.push([
      would(`replicated to ${archive}`, `to replicate to ${archive}`),
      fmt(z.replication.copied.length),
      formatBytes(z.replication.bytes),
    ]);
    table.push([`already in ${archive}`, fmt(z.replication.upToDate), '']);
    if (z.replication.pastExpiry)
      table.push([`not replicated: older than ${rules.archive.expiryDays} days`, fmt(z.replication.pastExpiry), '']);
    if (z.replication.vanished) table.push(['not replicated: gone from the zone meanwhile', fmt(z.replication.vanished), '']);
    if (landing) {
      table.push([
        would(
          `expired from ${z.zone}: processed landing > ${landing.days} days`,
          `to expire from ${z.zone}: processed landing > ${landing.days} days`,
        ),
        fmt(expiredZone.length),
        formatBytes(total(expiredZone)),
      ]);
    }
    table.push([
      would(
        `expired from ${archive}: > ${rules.archive.expiryDays} days`,
        `to expire from ${archive}: > ${rules.archive.expiryDays} days`,
      ),
      fmt(expiredArchive.length),
      formatBytes(total(expiredArchive)),
    ]);
    table.push([
      `due for Glacier in ${archive}: > ${rules.archive.transitionDays} days (reported only)`,
      fmt(glacier.length),
      formatBytes(total(glacier)),
    ]);
    out.push(table.toString());
  }
  return out.join('\n');
}

export function registerLifecycle(program: Command, setCode: (code: number) => void): void {
  program
    .command('lifecycle')
    .description(
      "copy new zone objects to each zone's archive folder, expire processed landing files and old archive objects, " +
        'and report archive objects due for Glacier',
    )
    .option('--dry-run', 'print what a pass would do and change nothing')
    .option('--json', 'print the report (with every key) as JSON')
    .action(async (options: { dryRun?: boolean; json?: boolean }) => {
      await withRuntime(async (runtime) => {
        const report = await runLifecycle(runtime.paths, runtime.clock.now(), { dryRun: options.dryRun });
        for (const z of report.zones) {
          runtime.logger.info('lifecycle pass', {
            step: 'lifecycle',
            zone: z.zone,
            dryRun: report.dryRun,
            replicated: z.replication.copied.length,
            replicatedBytes: z.replication.bytes,
            expired: [...z.zoneActions, ...z.archiveActions].filter((a) => a.action === 'expire').length,
            dueForGlacier: z.archiveActions.filter((a) => a.action === 'transition').length,
          });
        }
        console.log(options.json ? JSON.stringify(report, null, 2) : renderLifecycle(report));
        setCode(0);
      });
    });
}
