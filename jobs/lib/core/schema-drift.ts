/**
 * Schema drift: columns a run's source data has that the table contract
 * (definition/tables.ts) does not. The cleaned zone keeps only the
 * contract's columns; the raw zone keeps every column as it came. So that no
 * column is dropped without a word, the cleaned transform compares each run's
 * manifest schema (the source's columns for an extract, the landed file's for
 * an ingest; core/manifest.ts) with the contract and records every new column
 * once, as a small JSON object in the cleaned zone:
 *
 *   `_schema_drift/<table>/<column, URI-encoded>.json` → {@link DriftRecord}
 *
 * The first run that shows a column writes its record (`putIfAbsent`), so a
 * column is reported, and alerted, once, however many runs carry it; `lakehouse
 * status` lists the records (README "Rejects and schema drift"). Delete a
 * record to be told again; add the column to the contract to take it into the
 * cleaned zone.
 */
import { parseManifest, type Manifest } from './manifest';
import { NotFoundError } from './errors';
import type { ObjectStore } from './ports';
import { keys, SCHEMA_DRIFT_PREFIX } from '../definition/object-keys';
import { SOURCE_TABLES } from '../definition/tables';

/** Where drift records live in the cleaned zone (not a table: the cleaned crawler excludes it, the local catalog skips `_` folders). */
export { SCHEMA_DRIFT_PREFIX };

/** One column the source data has and the contract does not. */
export interface DriftRecord {
  table: string;
  column: string;
  /** The column's type as the manifest gives it (the source's type name, or `text` for a landed file). */
  dataType: string;
  /** The first run whose data had the column. */
  firstRunId: string;
  /** How that run was made (`unknown` for a record that cannot be read). */
  origin: Manifest['origin'] | 'unknown';
  /** ISO UTC time the column was first seen (when the cleaned transform of that run ran). */
  firstSeenAt: string;
}

/** The object key of a drift record. */
export const driftKey = (table: string, column: string) => `${SCHEMA_DRIFT_PREFIX}${table}/${encodeURIComponent(column)}.json`;

/** Columns every raw row may carry besides the contract's, which are not drift (the partition column). */
const NOT_DRIFT = new Set(['run_id']);

/**
 * The columns of a run's manifest that the contract of their table lacks, in
 * manifest order. Tables not in the contract are skipped (they are not a
 * cleaned table at all; ingest deals with them).
 *
 * @param manifest  the run's manifest
 * @param seenAt    the time to record as first seen (UTC)
 */
export function driftInManifest(manifest: Manifest, seenAt: Date): DriftRecord[] {
  const found: DriftRecord[] = [];
  for (const [table, entry] of Object.entries(manifest.tables)) {
    const def = SOURCE_TABLES.find((t) => t.name === table);
    if (!def) continue;
    const known = new Set(def.columns.map((c) => c.name));
    for (const column of entry.schema) {
      if (known.has(column.name) || NOT_DRIFT.has(column.name)) continue;
      found.push({
        table,
        column: column.name,
        dataType: column.dataType,
        firstRunId: manifest.runId,
        origin: manifest.origin,
        firstSeenAt: seenAt.toISOString(),
      });
    }
  }
  return found;
}

/**
 * Checks run `runId` for schema drift: reads its manifest from the raw zone,
 * and writes a record for every column not recorded before.
 *
 * @param stores  the raw zone (manifests) and the cleaned zone (drift records)
 * @returns the columns recorded now for the first time (to alert on), and all the run has
 * @throws NotFoundError when the run has no manifest; whatever the stores throw
 */
export async function recordSchemaDrift(
  stores: { raw: ObjectStore; cleaned: ObjectStore },
  runId: string,
  seenAt: Date,
): Promise<{ recorded: DriftRecord[]; present: DriftRecord[] }> {
  const manifest = parseManifest(await stores.raw.get(keys.manifest(runId)));
  const present = driftInManifest(manifest, seenAt);
  const recorded: DriftRecord[] = [];
  for (const record of present) {
    if (await stores.cleaned.putIfAbsent(driftKey(record.table, record.column), `${JSON.stringify(record, null, 2)}\n`)) {
      recorded.push(record);
    }
  }
  return { recorded, present };
}

/**
 * Every drift record in the cleaned zone, by table then column. A record that
 * cannot be parsed is returned as far as its key tells (table and column),
 * never dropped.
 */
export async function listSchemaDrift(cleaned: ObjectStore): Promise<DriftRecord[]> {
  const out: DriftRecord[] = [];
  for (const object of await cleaned.list(SCHEMA_DRIFT_PREFIX)) {
    const match = /^_schema_drift\/([^/]+)\/([^/]+)\.json$/.exec(object.key);
    if (!match) continue;
    try {
      out.push(JSON.parse((await cleaned.get(object.key)).toString()) as DriftRecord);
    } catch (error) {
      if (error instanceof NotFoundError) continue;
      out.push({
        table: match[1],
        column: decodeURIComponent(match[2]),
        dataType: 'unknown',
        firstRunId: 'unknown',
        origin: 'unknown',
        firstSeenAt: 'unknown (unreadable record)',
      });
    }
  }
  return out.sort((a, b) => a.table.localeCompare(b.table) || a.column.localeCompare(b.column));
}
