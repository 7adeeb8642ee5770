/**
 * Schema drift records (jobs/lib/core/schema-drift.ts) on a real folder
 * store: the columns of a run's manifest the contract lacks are recorded
 * once, reported as new only the first time, and listed back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from '../../jobs/lib/adapters/fs/fs-object-store';
import { driftInManifest, driftKey, listSchemaDrift, recordSchemaDrift } from '../../jobs/lib/core/schema-drift';
import type { Manifest } from '../../jobs/lib/core/manifest';
import { keys } from '../../jobs/lib/definition/object-keys';

const RUN_1 = '20250225t132609z';
const RUN_2 = '20250226t080000z';
const SEEN = new Date('2025-02-25T13:30:00Z');

const manifest = (runId: string, extra: string[]): Manifest => ({
  runId,
  origin: 'ingest',
  createdAt: SEEN.toISOString(),
  tables: {
    currency: {
      files: [],
      rows: 1,
      schema: ['currency_id', 'currency_code', 'created_at', 'last_updated', 'run_id', ...extra].map((name) => ({
        name,
        dataType: 'text',
        nullable: true,
      })),
    },
    // Not a source table: not drift (ingest deals with unknown tables).
    widgets: { files: [], rows: 1, schema: [{ name: 'x', dataType: 'text', nullable: true }] },
  },
});

let dir: string;
let raw: FsObjectStore;
let cleaned: FsObjectStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lakehouse-drift-'));
  raw = new FsObjectStore('raw', join(dir, 'raw'));
  cleaned = new FsObjectStore('cleaned', join(dir, 'cleaned'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('finds only the columns of contract tables that the contract lacks', () => {
  expect(driftInManifest(manifest(RUN_1, []), SEEN)).toEqual([]);
  expect(driftInManifest(manifest(RUN_1, ['currency_symbol']), SEEN)).toEqual([
    {
      table: 'currency',
      column: 'currency_symbol',
      dataType: 'text',
      firstRunId: RUN_1,
      origin: 'ingest',
      firstSeenAt: '2025-02-25T13:30:00.000Z',
    },
  ]);
});

it('records a new column once: the first run reports it, a later run does not, and the record keeps the first run', async () => {
  await raw.put(keys.manifest(RUN_1), JSON.stringify(manifest(RUN_1, ['currency_symbol'])));
  await raw.put(keys.manifest(RUN_2), JSON.stringify(manifest(RUN_2, ['currency_symbol', 'odd/name'])));
  const first = await recordSchemaDrift({ raw, cleaned }, RUN_1, SEEN);
  expect(first.recorded.map((r) => r.column)).toEqual(['currency_symbol']);
  const second = await recordSchemaDrift({ raw, cleaned }, RUN_2, new Date('2025-02-26T08:00:00Z'));
  expect(second.recorded.map((r) => r.column)).toEqual(['odd/name']);
  expect(second.present.map((r) => r.column)).toEqual(['currency_symbol', 'odd/name']);
  expect(await cleaned.exists(driftKey('currency', 'odd/name'))).toBe(true);
  const listed = await listSchemaDrift(cleaned);
  expect(listed.map((r) => [r.column, r.firstRunId])).toEqual([
    ['currency_symbol', RUN_1],
    ['odd/name', RUN_2],
  ]);
});

it('lists an unreadable record by its key instead of dropping it', async () => {
  await cleaned.put(driftKey('currency', 'x'), 'not json');
  expect(await listSchemaDrift(cleaned)).toEqual([
    expect.objectContaining({ table: 'currency', column: 'x', origin: 'unknown' }),
  ]);
});

it('throws when the run has no manifest', async () => {
  await expect(recordSchemaDrift({ raw, cleaned }, RUN_1, SEEN)).rejects.toThrow();
});
