/**
 * The transform job: for every run waiting for the next zone, materialises
 * each SQL model of that zone for the run (Athena CTAS or DuckDB COPY), moves
 * the run on in the ledger, and announces `ZoneWritten`, which starts the
 * zone's crawl (crawler mode) or the next step (direct mode)
 * (docs/architecture.md, "Events", "Chain modes", "SQL models"). Runs are processed oldest
 * first because dimension snapshots read every run up to their own.
 *
 * A run's correctness does not depend on crawler timing: before a run is
 * transformed, every input table it has rows for must show the run's
 * partition in the catalog (else TransientError: the run waits, never reads
 * an empty partition), and after it the partitions written are registered
 * in the catalog by this step, so the next step can read them at once.
 */
import { errorMessage, isTransient, NotFoundError, TransientError } from '../lib/core/errors';
import type { Logger } from '../lib/core/logger';
import { STAGE_BEFORE, type RunStage } from '../lib/definition/run-stages';
import { advanceRun, markRunFailed, waitingRuns } from '../lib/core/run-lifecycle';
import type {
  Catalog,
  Clock,
  EventPublisher,
  ModelResult,
  ObjectStore,
  QueryEngine,
  RunLedger,
  RunRecord,
} from '../lib/core/ports';
import { recordSchemaDrift } from '../lib/core/schema-drift';
import { loadModels, type ModelFile } from '../lib/core/sql/models';
import { qualityGate, type QualityGateConfig } from '../lib/core/quality/quality-gate';

export interface TransformInput {
  /** The zone to write: cleaned (from raw) or transformed (from cleaned). */
  target: 'cleaned' | 'transformed';
  /**
   * Runs transformed per invocation, oldest first; default all waiting. The
   * Lambda sets 1, so an invocation's time is bounded by one run's work
   * (88 Athena queries for a cleaned run) instead of by the backlog.
   */
  maxRuns?: number;
}

export interface TransformDeps {
  engine: QueryEngine;
  /** Where the run's input partitions are looked up and its output partitions registered. */
  catalog: Catalog;
  ledger: RunLedger;
  events: EventPublisher;
  clock: Clock;
  logger: Logger;
  /** The zone's models; defaults to the files under `sql/<target>/`. */
  models?: ModelFile[];
  /**
   * The raw zone (run manifests) and the cleaned zone (drift records): with
   * them, the cleaned transform records and alerts the columns a run's data
   * has that the contract lacks (core/schema-drift.ts). Both runtimes pass them.
   */
  drift?: { raw: ObjectStore; cleaned: ObjectStore };
  /**
   * The data-quality gate (core/quality/quality-gate.ts): when set, each run's
   * declared tests run after its models, and an `error` failure marks the run
   * failed before load. The composition roots always set it.
   */
  quality?: QualityGateConfig;
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
 * rethrown (later runs wait for a retry or the sweep). With `maxRuns`, the
 * runs beyond it are left waiting and announced once more as written to the
 * input zone (`ZoneWritten`), which starts the next invocation.
 */
export async function transform(input: TransformInput, deps: TransformDeps): Promise<TransformResult> {
  const { target } = input;
  const models = deps.models ?? loadModels(target);
  const waiting = await waitingRuns(deps.ledger, STAGE_BEFORE[target]);
  const done: TransformRunResult[] = [];
  deps.logger.info('runs waiting for transform', { step: 'transform', target, runs: waiting.map((r) => r.runId) });

  const batch = waiting.slice(0, input.maxRuns ?? waiting.length);
  const left = waiting.slice(batch.length);
  try {
    for (const run of batch) {
      const results: ModelResult[] = [];
      try {
        await assertInputsRegistered(deps, target, run);
        if (target === 'cleaned' && deps.drift) await checkSchemaDrift(deps, deps.drift, run.runId);
        const extracted = run.counts.extracted;
        const known = extracted !== undefined && Object.keys(extracted).length > 0;
        for (const model of models) {
          // A cleaned model reads only its own table's raw rows of this run: with none, it would write nothing,
          // so it is not run (on Athena, one query and its cost less per table the run did not touch). A record
          // that does not say which tables the run holds runs every model.
          if (target === 'cleaned' && known && !((extracted[model.table] ?? 0) > 0)) {
            results.push({ table: model.table, runId: run.runId, rows: 0, rejects: 0 });
            continue;
          }
          results.push(await deps.engine.materialize({ zone: target, table: model.table, sql: model.sql, runId: run.runId }));
        }
        if (target === 'cleaned') assertNothingMissing(run.runId, run.counts.extracted ?? {}, results);
        for (const result of results) {
          if (result.rows > 0) await deps.catalog.registerPartitions(target, result.table, [run.runId]);
        }
        if (deps.quality) await qualityGate(target, run.runId, results, { ...deps, quality: deps.quality });
      } catch (error) {
        if (isTransient(error)) {
          // Left waiting, not failed: the retry (Lambda's, or the stuck-run sweep's) picks it up again.
          deps.logger.warn('transform interrupted; will be retried', {
            step: 'transform',
            target,
            runId: run.runId,
            error: errorMessage(error),
          });
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
  if (left.length > 0) {
    // Fan out by event: announce the input zone again for the runs still waiting, the way the sweep
    // nudges them (its crawl, or in direct mode its next step, starts another invocation).
    const source = target === 'cleaned' ? 'raw' : 'cleaned';
    await deps.events.publish({
      source: 'lakehouse',
      'detail-type': 'ZoneWritten',
      detail: { zone: source, runs: left.map((r) => r.runId) },
    });
    deps.logger.info('runs left for the next invocation', { step: 'transform', target, runs: left.map((r) => r.runId) });
  }
  return { target, runs: done };
}

/**
 * Checks that the catalog shows the run's partition of every input table the
 * run has rows for (raw tables for a cleaned transform, by the extracted
 * counts; cleaned tables for a transformed one, by the cleaned counts). One
 * catalog look-up per such table.
 *
 * @throws TransientError naming the first missing partition: the run stays
 *   waiting for the crawler (raw) or the registration (cleaned), never reads
 *   an empty partition
 */
async function assertInputsRegistered(deps: TransformDeps, target: 'cleaned' | 'transformed', run: RunRecord): Promise<void> {
  const source = target === 'cleaned' ? 'raw' : 'cleaned';
  const counts = (target === 'cleaned' ? run.counts.extracted : run.counts.cleaned) ?? {};
  for (const [table, rows] of Object.entries(counts)) {
    if (rows > 0 && !(await deps.catalog.hasPartition(source, table, run.runId))) {
      throw new TransientError(
        `run ${run.runId}: the catalog does not show ${source}.${table} run_id=${run.runId} yet (${rows} rows written); ` +
          (source === 'raw' ? 'waiting for the raw crawler' : 'waiting for its partition to be registered'),
      );
    }
  }
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
      error:
        `${count} row(s) could not be typed or were a conflicting version of a (key, last_updated); kept with the reason ` +
        `and their original text under cleaned/_rejects/${table}/run_id=${runId}/ (query cleaned._rejects)`,
    });
  }
  deps.logger.info('run transformed', { step: 'transform', target, runId, rows: counts });
}

/**
 * Records the columns run `runId`'s data has that the contract lacks
 * (core/schema-drift.ts) and logs each one seen for the first time at error
 * level, so scan-logs alerts once per new column (a column already recorded
 * is only logged at info). A run without a manifest is warned about and not checked.
 */
async function checkSchemaDrift(
  deps: TransformDeps,
  stores: { raw: ObjectStore; cleaned: ObjectStore },
  runId: string,
): Promise<void> {
  let drift: Awaited<ReturnType<typeof recordSchemaDrift>>;
  try {
    drift = await recordSchemaDrift(stores, runId, deps.clock.now());
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    deps.logger.warn('run has no manifest; schema drift not checked', { step: 'transform', runId, error: errorMessage(error) });
    return;
  }
  for (const record of drift.recorded) {
    deps.logger.error('new column in the source data (schema drift)', {
      step: 'transform',
      runId,
      table: record.table,
      column: record.column,
      error:
        `${record.table}.${record.column} (${record.dataType}) is not in the table contract: kept in raw, ` +
        'not in cleaned; add it to definition/tables.ts to load it (lakehouse status lists new columns)',
    });
  }
  const known = drift.present.filter((p) => !drift.recorded.includes(p));
  if (known.length) {
    deps.logger.info('columns not in the contract, recorded before', {
      step: 'transform',
      runId,
      columns: known.map((k) => `${k.table}.${k.column}`),
    });
  }
}
