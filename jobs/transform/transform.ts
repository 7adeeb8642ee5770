/**
 * The transform job: for every run waiting for the next zone, materialises
 * each SQL model of that zone for the run (Athena CTAS or DuckDB COPY), moves
 * the run on in the ledger, and announces `ZoneWritten` so the zone is crawled
 * (DESIGN.md §4–5). Runs are processed oldest first because dimension
 * snapshots read every run up to their own.
 */
import { errorMessage, isTransient, TransientError } from '../lib/core/errors';
import type { Logger } from '../lib/core/logger';
import { STAGE_BEFORE, type RunStage } from '../lib/definition/run-stages';
import { advanceRun, markRunFailed, waitingRuns } from '../lib/core/run-lifecycle';
import type { Clock, EventPublisher, ModelResult, QueryEngine, RunLedger } from '../lib/core/ports';
import { loadModels, type ModelFile } from '../lib/core/sql/models';

export interface TransformInput {
  /** The zone to write: cleaned (from raw) or transformed (from cleaned). */
  target: 'cleaned' | 'transformed';
}

export interface TransformDeps {
  engine: QueryEngine;
  ledger: RunLedger;
  events: EventPublisher;
  clock: Clock;
  logger: Logger;
  /** The zone's models; defaults to the files under `sql/<target>/`. */
  models?: ModelFile[];
}

export interface TransformRunResult {
  runId: string;
  models: ModelResult[];
}

export interface TransformResult {
  target: 'cleaned' | 'transformed';
  runs: TransformRunResult[];
}

/**
 * Transforms every waiting run into `input.target`, oldest first. On a terminal
 * model failure the run is marked failed in the ledger (best effort:
 * run-lifecycle.ts `markRunFailed`); on a transient one it stays waiting.
 * Either way runs already done are still announced and the error is
 * rethrown (later runs wait for a retry or the sweep).
 */
export async function transform(input: TransformInput, deps: TransformDeps): Promise<TransformResult> {
  const { target } = input;
  const models = deps.models ?? loadModels(target);
  const waiting = await waitingRuns(deps.ledger, STAGE_BEFORE[target]);
  const done: TransformRunResult[] = [];
  deps.logger.info('runs waiting for transform', { step: 'transform', target, runs: waiting.map((r) => r.runId) });

  try {
    for (const run of waiting) {
      const results: ModelResult[] = [];
      try {
        for (const model of models) {
          results.push(await deps.engine.materialize({ zone: target, table: model.table, sql: model.sql, runId: run.runId }));
        }
        if (target === 'cleaned') assertNothingMissing(run.runId, run.counts.extracted ?? {}, results);
      } catch (error) {
        if (isTransient(error)) {
          // Left waiting, not failed: the retry (Lambda's, or the stuck-run sweep's) picks it up again.
          deps.logger.warn('transform interrupted; will be retried', { step: 'transform', target, runId: run.runId, error: errorMessage(error) });
          throw error;
        }
        await markRunFailed(deps, run.runId, `transform:${target}`, error);
        deps.logger.error('transform failed', { step: 'transform', target, runId: run.runId, error: errorMessage(error) });
        throw error;
      }
      await recordTransformed(deps, run.runId, target, results);
      done.push({ runId: run.runId, models: results });
    }
  } finally {
    if (done.length) {
      await deps.events.publish({
        source: 'lakehouse',
        'detail-type': 'ZoneWritten',
        detail: { zone: target, runs: done.map((d) => d.runId) },
      });
    }
  }
  return { target, runs: done };
}

/**
 * Guards against reading a raw table the catalog does not show yet (a crawl
 * that has not registered it): a table the run extracted rows for must come
 * out of its cleaned model with rows or rejects. Throws TransientError, so the
 * run stays waiting and the next crawl or the sweep transforms it again.
 */
function assertNothingMissing(runId: string, extracted: Record<string, number>, results: ModelResult[]): void {
  for (const result of results) {
    if ((extracted[result.table] ?? 0) > 0 && result.rows + result.rejects === 0) {
      throw new TransientError(
        `run ${runId}: raw ${result.table} has ${extracted[result.table]} extracted rows but the catalog shows none yet (crawl pending?)`,
      );
    }
  }
}

/** Moves a transformed run on in the ledger (counts, rejects) and logs its rejected rows at error level. */
async function recordTransformed(deps: TransformDeps, runId: string, target: RunStage, results: ModelResult[]): Promise<void> {
  const counts = Object.fromEntries(results.map((m) => [m.table, m.rows]));
  const rejects = Object.fromEntries(results.filter((m) => m.rejects > 0).map((m) => [m.table, m.rejects]));
  await advanceRun(deps, runId, target, { counts, ...(target === 'cleaned' ? { rejects } : {}) });
  for (const [table, count] of Object.entries(rejects)) {
    // Rejected rows are never dropped silently: logged at error level so scan-logs alerts on them.
    deps.logger.error('rows rejected', {
      step: 'transform',
      runId,
      table,
      rejects: count,
      error: `${count} row(s) could not be typed; kept with the reason under cleaned/_rejects/${table}/run_id=${runId}/`,
    });
  }
  deps.logger.info('run transformed', { step: 'transform', target, runId, rows: counts });
}
