import { mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { applyLifecycle } from '../../jobs/lib/adapters/fs/apply-lifecycle';
import { replicateToArchive } from '../../jobs/lib/adapters/fs/archive-replication';
import { FsObjectStore } from '../../jobs/lib/adapters/fs/fs-object-store';
import { homePaths } from '../../jobs/lib/runtimes/local/settings';
import { lakeLifecycle } from '../../lifecycle/rules';
import { main } from '../../scripts/cli/main';
import { renderLifecycle, runLifecycle } from '../../scripts/cli/commands/lifecycle';
import { tempDirs } from '../support/temp-dirs';

const tempDir = tempDirs();

const DAY = 86_400_000;
const NOW = new Date('2025-06-15T12:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);

/** Writes `body` at `root/key` and sets its modification time. */
function place(root: string, key: string, body: string, modified: Date): void {
  const path = join(root, ...key.split('/'));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, body);
  utimesSync(path, modified, modified);
}

/** Every file and folder under `root`: relative path → content (`<folder>` for folders) and modification time (ms). */
function snapshot(root: string): Record<string, { body: string; mtimeMs: number }> {
  const out: Record<string, { body: string; mtimeMs: number }> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        out[relative(root, full)] = { body: '<folder>', mtimeMs: statSync(full).mtimeMs };
        walk(full);
      } else out[relative(root, full)] = { body: readFileSync(full, 'utf8'), mtimeMs: statSync(full).mtimeMs };
    }
  };
  walk(root);
  return out;
}

describe('replicateToArchive', () => {
  let zone: FsObjectStore;
  let archive: FsObjectStore;
  beforeEach(() => {
    const home = tempDir('archive-');
    zone = new FsObjectStore('raw', join(home, 'raw'));
    archive = new FsObjectStore('raw', join(home, 'raw-archive'));
  });

  it('copies only the objects the archive lacks, keeping their modification time, and is idempotent', async () => {
    place(zone.root, 'sales_order/run_id=r1/part-00000.jsonl.gz', 'old part', daysAgo(10));
    place(archive.root, 'sales_order/run_id=r1/part-00000.jsonl.gz', 'archived copy', daysAgo(10));
    place(zone.root, 'sales_order/run_id=r2/part-00000.jsonl.gz', 'new part!', daysAgo(2));
    place(zone.root, '_manifests/r2.json', '{"runId":"r2"}', daysAgo(2));
    place(zone.root, 'landing/staff/a.csv.tmp-1-1', 'half written', daysAgo(1));

    const first = await replicateToArchive(zone, archive, { now: NOW });
    expect(first.copied.map((o) => o.key)).toEqual(['_manifests/r2.json', 'sales_order/run_id=r2/part-00000.jsonl.gz']);
    expect(first.bytes).toBe('{"runId":"r2"}'.length + 'new part!'.length);
    expect(first.upToDate).toBe(1);

    // The held copy is left as it was; the new ones are byte-identical and as old as the zone's.
    expect((await archive.get('sales_order/run_id=r1/part-00000.jsonl.gz')).toString()).toBe('archived copy');
    expect((await archive.get('sales_order/run_id=r2/part-00000.jsonl.gz')).toString()).toBe('new part!');
    const zoneTimes = Object.fromEntries((await zone.list('')).map((o) => [o.key, o.modified.getTime()]));
    for (const o of await archive.list('')) expect(o.modified.getTime()).toBe(zoneTimes[o.key]);
    expect((await archive.list('')).map((o) => o.key)).not.toContain('landing/staff/a.csv.tmp-1-1');

    const second = await replicateToArchive(zone, archive, { now: NOW });
    expect(second.copied).toEqual([]);
    expect(second.upToDate).toBe(3);
  });

  it('copies a rewritten object again and skips objects already past the archive expiry', async () => {
    place(archive.root, 'staff/run_id=r1/part-00000.jsonl.gz', 'first version', daysAgo(5));
    place(zone.root, 'staff/run_id=r1/part-00000.jsonl.gz', 'second version', daysAgo(1));
    place(zone.root, 'staff/run_id=r0/part-00000.jsonl.gz', 'ancient', daysAgo(500));

    const result = await replicateToArchive(zone, archive, { now: NOW });
    expect(result.copied.map((o) => o.key)).toEqual(['staff/run_id=r1/part-00000.jsonl.gz']);
    expect(result.pastExpiry).toBe(1);
    expect((await archive.get('staff/run_id=r1/part-00000.jsonl.gz')).toString()).toBe('second version');
    expect(await archive.exists('staff/run_id=r0/part-00000.jsonl.gz')).toBe(false);
  });

  it('in a dry run reports the copies and writes nothing', async () => {
    place(zone.root, 'staff/run_id=r1/part-00000.jsonl.gz', 'part', daysAgo(3));
    const result = await replicateToArchive(zone, archive, { now: NOW, dryRun: true });
    expect(result.copied.map((o) => o.key)).toEqual(['staff/run_id=r1/part-00000.jsonl.gz']);
    expect(await archive.list('')).toEqual([]);
  });
});

describe('applyLifecycle', () => {
  let root: string;
  beforeEach(() => {
    root = tempDir('lifecycle-');
  });

  it('expires processed landing files past the landing expiry from raw and keeps everything else', async () => {
    const raw = new FsObjectStore('raw', join(root, 'raw'));
    place(raw.root, '_processed/landing/staff/old.csv', 'old', daysAgo(40));
    place(raw.root, '_processed/landing/staff/new.csv', 'new', daysAgo(5));
    place(raw.root, 'landing/staff/waiting.csv', 'waiting', daysAgo(400));
    place(raw.root, '_quarantine/landing/staff/bad.csv', 'bad', daysAgo(400));
    place(raw.root, 'staff/run_id=r1/part-00000.jsonl.gz', 'part', daysAgo(400));

    const actions = await applyLifecycle(raw, { kind: 'zone', zone: 'raw' }, NOW, lakeLifecycle(30));
    expect(actions.map((a) => [a.key, a.action, a.size])).toEqual([['_processed/landing/staff/old.csv', 'expire', 3]]);
    expect((await raw.list('')).map((o) => o.key)).toEqual([
      '_processed/landing/staff/new.csv',
      '_quarantine/landing/staff/bad.csv',
      'landing/staff/waiting.csv',
      'staff/run_id=r1/part-00000.jsonl.gz',
    ]);

    // A shorter landing expiry reaches the newer file too; other zones have no landing rule.
    const cleaned = new FsObjectStore('cleaned', join(root, 'cleaned'));
    place(cleaned.root, '_processed/landing/staff/x.csv', 'x', daysAgo(400));
    expect((await applyLifecycle(raw, { kind: 'zone', zone: 'raw' }, NOW, lakeLifecycle(3))).map((a) => a.key)).toEqual([
      '_processed/landing/staff/new.csv',
    ]);
    expect(await applyLifecycle(cleaned, { kind: 'zone', zone: 'cleaned' }, NOW)).toEqual([]);
    expect(await cleaned.exists('_processed/landing/staff/x.csv')).toBe(true);
  });

  it('expires archive objects past 455 days, reports those past 365 for Glacier, and removes emptied folders', async () => {
    const archive = new FsObjectStore('cleaned', join(root, 'cleaned-archive'));
    place(archive.root, 'staff/run_id=r0/part-00000.parquet', 'expired', daysAgo(460));
    place(archive.root, 'staff/run_id=r1/part-00000.parquet', 'cold', daysAgo(400));
    place(archive.root, 'staff/run_id=r2/part-00000.parquet', 'warm', daysAgo(10));

    const actions = await applyLifecycle(archive, { kind: 'archive', zone: 'cleaned' }, NOW);
    expect(actions.map((a) => [a.key, a.action, a.size])).toEqual([
      ['staff/run_id=r0/part-00000.parquet', 'expire', 7],
      ['staff/run_id=r1/part-00000.parquet', 'transition', 4],
    ]);
    expect((await archive.list('')).map((o) => o.key)).toEqual([
      'staff/run_id=r1/part-00000.parquet',
      'staff/run_id=r2/part-00000.parquet',
    ]);
    expect(readdirSync(join(archive.root, 'staff')).sort()).toEqual(['run_id=r1', 'run_id=r2']);
  });

  it('in a dry run returns the due actions and deletes nothing', async () => {
    const archive = new FsObjectStore('raw', join(root, 'raw-archive'));
    place(archive.root, 'staff/run_id=r0/part-00000.jsonl.gz', 'expired', daysAgo(460));
    const before = snapshot(archive.root);
    const actions = await applyLifecycle(archive, { kind: 'archive', zone: 'raw' }, NOW, undefined, { dryRun: true });
    expect(actions.map((a) => a.action)).toEqual(['expire']);
    expect(snapshot(archive.root)).toEqual(before);
  });
});

describe('runLifecycle (the lifecycle command)', () => {
  it('replicates before expiring; a dry run plans the same pass and changes nothing', async () => {
    const home = tempDir('lakehouse-');
    const paths = homePaths(home);
    place(paths.zone('raw'), '_processed/landing/staff/old.csv', 'landed', daysAgo(40));
    place(paths.zone('raw'), 'staff/run_id=r1/part-00000.jsonl.gz', 'part', daysAgo(2));
    place(paths.zone('cleaned'), 'staff/run_id=r1/part-00000.parquet', 'year-old', daysAgo(400));
    place(paths.archive('transformed'), 'dim_staff/run_id=r0/part-00000.parquet', 'gone soon', daysAgo(460));

    const before = snapshot(home);
    const planned = await runLifecycle(paths, NOW, { dryRun: true });
    expect(snapshot(home)).toEqual(before);

    const done = await runLifecycle(paths, NOW);
    const summary = (r: typeof done) =>
      r.zones.map((z) => ({
        zone: z.zone,
        copied: z.replication.copied.map((o) => o.key),
        zoneActions: z.zoneActions.map((a) => `${a.action} ${a.key}`),
        archiveActions: z.archiveActions.map((a) => `${a.action} ${a.key}`),
      }));
    expect(summary(planned)).toEqual(summary(done));
    expect(summary(done)).toEqual([
      {
        zone: 'raw',
        copied: ['_processed/landing/staff/old.csv', 'staff/run_id=r1/part-00000.jsonl.gz'],
        zoneActions: ['expire _processed/landing/staff/old.csv'],
        archiveActions: [],
      },
      {
        zone: 'cleaned',
        copied: ['staff/run_id=r1/part-00000.parquet'],
        zoneActions: [],
        archiveActions: ['transition staff/run_id=r1/part-00000.parquet'],
      },
      { zone: 'transformed', copied: [], zoneActions: [], archiveActions: ['expire dim_staff/run_id=r0/part-00000.parquet'] },
    ]);

    // The expired landing file survives in the archive; the archive expiry removed the old replica.
    const rawArchive = new FsObjectStore('raw', paths.archive('raw'));
    expect((await rawArchive.get('_processed/landing/staff/old.csv')).toString()).toBe('landed');
    expect(await new FsObjectStore('raw', paths.zone('raw')).exists('_processed/landing/staff/old.csv')).toBe(false);
    expect(await new FsObjectStore('transformed', paths.archive('transformed')).list('')).toEqual([]);

    const text = renderLifecycle(done);
    expect(text).toContain('replicated to raw-archive');
    expect(text).toContain('due for Glacier in cleaned-archive');

    // A second pass finds nothing new to copy.
    const again = await runLifecycle(paths, NOW);
    expect(again.zones.map((z) => z.replication.copied.length)).toEqual([0, 0, 0]);
  });

  it('runs as `lakehouse lifecycle` and exits 0', async () => {
    const home = tempDir('lakehouse-cli-');
    const paths = homePaths(home);
    place(paths.zone('raw'), 'staff/run_id=r1/part-00000.jsonl.gz', 'part', new Date(Date.now() - DAY));
    const saved = process.env.LAKEHOUSE_HOME;
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    process.env.LAKEHOUSE_HOME = home;
    try {
      expect(await main(['node', 'lakehouse', 'lifecycle', '--dry-run'])).toBe(0);
      expect(await new FsObjectStore('raw', paths.archive('raw')).list('')).toEqual([]);
      expect(await main(['node', 'lakehouse', 'lifecycle'])).toBe(0);
      expect((await new FsObjectStore('raw', paths.archive('raw')).list('')).map((o) => o.key)).toEqual([
        'staff/run_id=r1/part-00000.jsonl.gz',
      ]);
      expect(log.mock.calls.map((c) => String(c[0])).join('\n')).toContain('dry run');
    } finally {
      log.mockRestore();
      if (saved === undefined) delete process.env.LAKEHOUSE_HOME;
      else process.env.LAKEHOUSE_HOME = saved;
    }
  });
});
