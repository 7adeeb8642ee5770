/**
 * The load job: moves every run waiting at stage `transformed` into the
 * warehouse (docs/architecture.md "Loading", "Events": started when the transformed zone's
 * crawler succeeds, or in direct mode when the transformed zone is written), oldest first, and marks each run `loaded` in the ledger.
 */
import { errorMessage, isTransient, TerminalError } from '../lib/core/errors';
import type { Logger } from '../lib/core/logger';
import { isDataObject, keys } from '../lib/definition/object-keys';
import { STAR_TABLES } from '../lib/definition/tables';
import type { Clock, EventPublisher, LoadResult, LoadTable, ObjectStore, RunLedger, Warehouse } from '../lib/core/ports';
import { advanceRun, markRunFailed, waitingRuns } from '../lib/core/run-lifecycle';

export interface LoadInput {
  /**
   * Runs loaded per invocation, oldest first; default all waiting. The Lambda
   * sets 1, so an invocation's time is bounded by one run's load, not by the
   * backlog; the runs beyond it are announced again (`events`).
   */
  maxRuns?: number;
}

export interface LoadDeps {
  /** Where the runs left waiting by `maxRuns` are announced again (needed only with `maxRuns`). */
  events?: EventPublisher;
  warehouse: Warehouse;
  /** The transformed zone: `<star table>/run_id=<run>/*.parquet`. */
  transformed: ObjectStore;
  ledger: RunLedger;
  clock: Clock;
  logger: Logger;
}

export interface LoadJobResult {
  /** One result per run handled, in load order (`loaded: false` = it was already in the warehouse). */
  runs: LoadResult[];
}

/**
 * The run's data files per star table, as object keys of the transformed
 * zone (the warehouse adapter resolves them: `ObjectStore.uri`): every data
 * object of the run folder (`isDataObject`: Athena writes them without an
 * extension). A table without files gets an empty list (nothing staged for it).
 */
export async function loadTablesForRun(transformed: ObjectStore, runId: string): Promise<LoadTable[]> {
  const tables: LoadTable[] = [];
  for (const table of STAR_TABLES) {
    const objects = await transformed.list(keys.runFolder(table.name, runId));
    tables.push({ table, files: objects.map((o) => o.key).filter(isDataObject) });
  }
  return tables;
}

/**
 * Loads every run waiting at stage 'transformed' (not failed), oldest first.
 * Calls `warehouse.ensureSchema()` once when any run waits, then per run
 * `warehouse.loadRun` and, on success, moves the run to stage 'loaded'
 * (`history.loaded` = now, `counts.loaded` = rows changed per table; a run the
 * warehouse already had is marked loaded with its counts left as they were).
 * On a terminal failure it records `failed: {step: 'load', at, error}` on the run
 * (best effort: run-lifecycle.ts `markRunFailed`; a transient one leaves the
 * run waiting for a retry), logs
 * an error with the run id, and rethrows without touching later runs (they
 * build on this one). Errors are the warehouse's / ledger's (TransientError or
 * TerminalError, see Warehouse.loadRun). With `maxRuns`, the runs beyond it
 * stay waiting and the transformed zone is announced again for them
 * (`ZoneWritten`), which starts the next invocation.
 */
export async function load(input: LoadInput, deps: LoadDeps): Promise<LoadJobResult> {
  const { warehouse, transformed, ledger, logger } = deps;
  if (input.maxRuns !== undefined && !deps.events) {
    // Checked before any work: runs left waiting with no one to announce them would wait for the sweep.
    throw new TerminalError('load: maxRuns needs an event publisher to announce the runs it leaves waiting');
  }
  const waiting = await waitingRuns(ledger, 'transformed');
  if (waiting.length === 0) {
    logger.info('no runs waiting for load', { step: 'load' });
    return { runs: [] };
  }
  await warehouse.ensureSchema();

  const batch = waiting.slice(0, input.maxRuns ?? waiting.length);
  const left = waiting.slice(batch.length);
  const results: LoadResult[] = [];
  for (const { runId } of batch) {
    let result: LoadResult;
    try {
      result = await warehouse.loadRun(runId, await loadTablesForRun(transformed, runId));
    } catch (error) {
      if (isTransient(error)) {
        // Left waiting, not failed: the retry (Lambda's, or the stuck-run sweep's) picks it up again.
        logger.warn('load interrupted; will be retried', { step: 'load', runId, error: errorMessage(error) });
        throw error;
      }
      logger.error('load failed', { step: 'load', runId, error: errorMessage(error) });
      await markRunFailed(deps, runId, 'load', error);
      throw error;
    }

    await advanceRun(deps, runId, 'loaded', {
      ...(result.loaded ? { counts: Object.fromEntries(Object.entries(result.tables).map(([t, c]) => [t, c.changed])) } : {}),
    });
    if (result.loaded) {
      logger.info('run loaded', { step: 'load', runId, tables: result.tables });
    } else {
      logger.info('run already in the warehouse; marked loaded', { step: 'load', runId });
    }
    results.push(result);
  }
  if (left.length > 0 && deps.events) {
    // Fan out by event: the transformed zone is announced again for the runs still waiting, as the sweep does.
    await deps.events.publish({
      source: 'lakehouse',
      'detail-type': 'ZoneWritten',
      detail: { zone: 'transformed', runs: left.map((r) => r.runId) },
    });
    logger.info('runs left for the next invocation', { step: 'load', runs: left.map((r) => r.runId) });
  }
  return { runs: results };
}
