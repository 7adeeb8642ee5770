/**
 * Source freshness as every pass checks it (core/quality/source-freshness.ts)
 * on a real DuckDB: states per table, an error-level line only on a state
 * change, results under `freshness-<stamp>`, and a seeded snapshot aged from
 * its seed time while the lake holds nothing newer than the snapshot.
 */

import { join } from 'node:path';
import type { Logger } from '../../jobs/lib/core/logger';
import { parseDeclarationFile } from '../../jobs/lib/core/quality/declarations';
import { runQualityTests } from '../../jobs/lib/core/quality/run-tests';
import {
  checkSourceFreshness,
  freshnessLines,
  readSeedSnapshot,
  recordSeedSnapshot,
} from '../../jobs/lib/core/quality/source-freshness';
import { keys } from '../../jobs/lib/definition/object-keys';
import { FsObjectStore } from '../../jobs/lib/adapters/fs/fs-object-store';
import { givenCleaned, openSqlTestLake, type SqlTestLake } from './sql-test-lake';
import { tempDirs } from '../support/temp-dirs';

/** Temporary homes, removed after the file's tests. */
const tempDir = tempDirs();

let lake: SqlTestLake;
beforeAll(async () => {
  lake = await openSqlTestLake();
  await givenCleaned(lake.conn, 'sales_order', [
    { sales_order_id: '1', last_updated: '2025-02-25 10:00:00', run_id: '20250226t000000z' },
  ]);
});
afterAll(() => lake.close());

const declarations = [
  parseDeclarationFile('cleaned', 'sales_order', 'freshness: { warn_after: 1d, error_after: 7d }\n', 'x.tests.yaml').freshness!,
];

const newStore = () => new FsObjectStore('transformed', tempDir('lakehouse-freshness-'));

function recorder(): { logger: Logger; errors: string[] } {
  const errors: string[] = [];
  const quiet = () => undefined;
  return { errors, logger: { debug: quiet, info: quiet, warn: quiet, error: (m: string) => errors.push(m) } };
}

it('alerts on state changes only and writes results under freshness-<stamp>', async () => {
  const store = newStore();
  const { logger, errors } = recorder();
  const at = (iso: string) =>
    checkSourceFreshness({ engine: lake.engine, clock: { now: () => new Date(iso) }, logger, results: store, declarations });

  const fresh = await at('2025-02-25T20:00:00Z');
  expect(fresh?.tables.map((t) => t.state)).toEqual(['fresh']);
  expect(errors).toEqual([]);
  expect(freshnessLines(fresh)).toEqual([]);
  expect(await store.exists(keys.qualityResults('freshness-20250225t200000z', 'cleaned'))).toBe(true);

  const warn = await at('2025-02-27T10:00:01Z');
  expect(warn?.tables[0]).toMatchObject({ state: 'warn', previous: 'fresh', changed: true });
  expect(freshnessLines(warn)[0]).toMatch(
    /^stale source: cleaned\.sales_order \(warn\): newest last_updated 2025-02-25 10:00:00/,
  );
  expect(errors).toEqual(['source freshness changed']);
  await at('2025-02-28T10:00:00Z');
  expect(errors).toHaveLength(1);
  await at('2025-03-05T10:00:00Z');
  expect(errors).toEqual(['source freshness changed', 'source freshness changed']);
});

it('ages a seeded snapshot from its seed time while nothing newer arrived', async () => {
  const store = newStore();
  const { logger, errors } = recorder();
  const at = (iso: string) =>
    checkSourceFreshness({ engine: lake.engine, clock: { now: () => new Date(iso) }, logger, results: store, declarations });
  // Without a seed record, the snapshot is a year old: error.
  expect((await at('2026-01-01T10:00:00Z'))?.tables[0].state).toBe('error');

  const seeded = newStore();
  await recordSeedSnapshot(seeded, { seededAt: '2026-01-01T09:00:00.000Z', newest: '2025-02-25 10:00:00' });
  const fromSeed = (iso: string) =>
    checkSourceFreshness({ engine: lake.engine, clock: { now: () => new Date(iso) }, logger, results: seeded, declarations });
  expect((await fromSeed('2026-01-01T10:00:00Z'))?.tables[0].state).toBe('fresh');
  const later = await fromSeed('2026-01-02T10:00:00Z');
  expect(later?.tables[0].state).toBe('warn');
  expect(later?.tables[0].result.detail).toContain('seeded snapshot, seeded 2026-01-01T09:00:00.000Z');
  expect(errors).toHaveLength(2);
});

it('ages a seeded snapshot the same way when the tests run on demand (lakehouse test)', async () => {
  const seeded = newStore();
  await recordSeedSnapshot(seeded, { seededAt: '2026-01-01T09:00:00.000Z', newest: '2025-02-25 10:00:00' });
  const onDemand = async (snapshot: Awaited<ReturnType<typeof readSeedSnapshot>>) =>
    runQualityTests(
      { runId: '20260101t100000z', declarations: { zone: 'cleaned', tests: [], freshness: declarations, keys: {} }, snapshot },
      { engine: lake.engine, clock: { now: () => new Date('2026-01-01T10:00:00Z') } },
    );
  expect((await onDemand(await readSeedSnapshot(seeded)))[0]).toMatchObject({ test: 'freshness', status: 'pass' });
  // Without the seed record the same data is a year old.
  expect((await onDemand(await readSeedSnapshot(newStore())))[0]).toMatchObject({ test: 'freshness', status: 'fail' });
});
