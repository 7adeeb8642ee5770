/**
 * The last part of making a run, shared by every step that makes one
 * (extract in both capture modes, ingest, reconcile): once the run's parts are
 * written, validate its manifest, record the run in the ledger (stage
 * `extracted`), write the manifest (the event that starts the chain) and
 * register the run's raw partitions. docs/architecture.md "Raw zone layout and
 * manifest"; the lifecycle around it is run-lifecycle.ts.
 */
import { errorMessage, TerminalError } from './errors';
import type { Logger } from './logger';
import { manifestSchema, type Manifest } from './manifest';
import type { Catalog, ObjectStore, SourceColumn } from './ports';
import { registerRawPartitions } from './raw-partitions';
import { type LifecycleDeps, markRunFailed, type NewRun, recordRun } from './run-lifecycle';
import { keys } from '../definition/object-keys';

/** One table of a run: its part files, rows, source schema, and (watermark extract) its watermark range. */
export interface RunTable {
  files: string[];
  rows: number;
  schema: Pick<SourceColumn, 'name' | 'dataType' | 'nullable'>[];
  watermark?: { from: string | null; to: string };
}

/** What {@link publishRun} publishes. */
export interface PublishedRun {
  origin: NewRun['origin'];
  /** When the run was made (ISO UTC): the manifest's `createdAt` and the record's time. */
  at: string;
  tables: Record<string, RunTable>;
}

/**
 * Validates, records and announces a run whose parts are written.
 *
 * @param onRecorded called once the ledger holds the record: from then on a
 *   failure must not discard the run (its id is taken and its record says
 *   what it holds), which callers need to know to clean up after a throw
 * @returns the manifest key and the rows per table
 * @throws TerminalError when the manifest does not match its schema (nothing
 *   recorded); ConflictError from {@link recordRun} when the id was recorded
 *   already; the store's error when the manifest write fails, after marking
 *   the run failed ({@link markRunFailed}) and logging it
 */
export async function publishRun(
  deps: LifecycleDeps & { raw: ObjectStore; catalog?: Catalog; logger: Logger },
  step: string,
  runId: string,
  run: PublishedRun,
  onRecorded: () => void = () => undefined,
): Promise<{ manifestKey: string; counts: Record<string, number> }> {
  const entries = Object.entries(run.tables);
  const counts = Object.fromEntries(entries.map(([t, w]) => [t, w.rows]));
  let manifest: Manifest;
  try {
    manifest = manifestSchema.parse({
      runId,
      origin: run.origin,
      createdAt: run.at,
      tables: Object.fromEntries(
        entries.map(([t, w]) => [
          t,
          {
            files: w.files,
            rows: w.rows,
            ...(w.watermark ? { watermark: w.watermark } : {}),
            schema: w.schema.map(({ name, dataType, nullable }) => ({ name, dataType, nullable })),
          },
        ]),
      ),
    });
  } catch (error) {
    throw new TerminalError(`manifest of run ${runId} does not match its schema: ${errorMessage(error)}`, { cause: error });
  }
  const watermarks = entries.some(([, w]) => w.watermark)
    ? Object.fromEntries(entries.filter(([, w]) => w.watermark).map(([t, w]) => [t, w.watermark!]))
    : undefined;
  await recordRun(deps, runId, { origin: run.origin, counts, at: run.at, ...(watermarks ? { watermarks } : {}) });
  onRecorded();
  const manifestKey = keys.manifest(runId);
  try {
    await deps.raw.put(manifestKey, JSON.stringify(manifest, null, 2));
  } catch (error) {
    await markRunFailed(deps, runId, step, error);
    deps.logger.error('manifest write failed', { step, runId, error: errorMessage(error) });
    throw error;
  }
  deps.logger.info('manifest written', { step, runId, manifestKey, rows: counts });
  await registerRawPartitions(deps, step, runId, Object.keys(counts));
  return { manifestKey, counts };
}
