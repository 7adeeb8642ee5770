/**
 * The quality gate of the chain (docs/architecture.md "Data quality"): after
 * a zone's models are materialised for a run, runs that zone's declared tests
 * on the same engine, writes the results to the lake, records the counts on
 * the run, alerts on failures (error-level log lines, which scan-logs turns
 * into one email per batch; a `warn` failure's line is marked WARNING_ALERT,
 * so the email calls it a warning) and, when an `error` test failed, throws, so the
 * transform marks the run failed and it never reaches the load.
 */
import { TerminalError } from '../errors';
import { WARNING_ALERT, type Logger } from '../logger';
import type { Clock, ModelResult, ObjectStore, QueryEngine, RunLedger } from '../ports';
import { loadDeclarations, type ZoneDeclarations } from './declarations';
import { countByStatus, describeFailure, writeResults, type QualityResult, type QualityStatus } from './results';
import { runQualityTests } from './run-tests';

/** What the gate needs besides the transform's engine, ledger, clock and logger. */
export interface QualityGateConfig {
  /** The transformed zone's store, where results are written (`quality/results/…`). */
  results: ObjectStore;
  /** The declarations per zone; default: read from the SQL folder (declarations.ts). */
  declarations?: Partial<Record<'cleaned' | 'transformed', ZoneDeclarations>>;
}

export interface QualityGateDeps {
  engine: Pick<QueryEngine, 'render' | 'query' | 'testsPerQuery'>;
  ledger: RunLedger;
  clock: Clock;
  logger: Logger;
  quality: QualityGateConfig;
}

/** A run stopped by failing `error` tests; the message names each one (test, table, failing rows, sample keys). */
export class QualityFailedError extends TerminalError {
  constructor(
    readonly runId: string,
    readonly failures: QualityResult[],
  ) {
    super(
      `run ${runId} stopped before load: ${failures.length} data-quality test(s) failed: ` +
        failures.map(describeFailure).join('; '),
    );
    this.name = 'QualityFailedError';
  }
}

/** Rows earlier runs wrote per model in a zone (ledger counts), oldest first, for row_count tests. */
async function history(ledger: RunLedger, zone: 'cleaned' | 'transformed', runId: string): Promise<Record<string, number>[]> {
  const runs = await ledger.listRuns({ limit: 50 });
  return runs.filter((r) => r.runId < runId && r.counts[zone] !== undefined).map((r) => r.counts[zone]!);
}

/**
 * Tests one run of one zone, for the models it just wrote.
 *
 * @param results  what the zone's models wrote for the run (which models, how many rows)
 * @returns every result (also written to the lake and counted on the run)
 * @throws QualityFailedError (terminal) when an `error` test failed, after
 *   the results are written and each failure is logged at error level;
 *   TerminalError when a test cannot run; what the engine, store or ledger throw
 */
export async function qualityGate(
  zone: 'cleaned' | 'transformed',
  runId: string,
  results: ModelResult[],
  deps: QualityGateDeps,
): Promise<QualityResult[]> {
  const all = deps.quality.declarations?.[zone] ?? loadDeclarations(zone);
  const models = new Set(results.map((r) => r.table));
  const declarations: ZoneDeclarations = {
    ...all,
    tests: all.tests.filter((t) => models.has(t.model)),
    // Freshness is about the source, not this run's rows: `lakehouse test` checks it (stopping a run
    // would only keep late data out longer).
    freshness: [],
  };
  const needsHistory = declarations.tests.some((t) => t.test.kind === 'row_count');
  const counts = Object.fromEntries(results.map((r) => [r.table, r.rows]));
  const outcome = await runQualityTests(
    { runId, declarations, counts, history: needsHistory ? await history(deps.ledger, zone, runId) : [] },
    deps,
  );
  await writeResults(deps.quality.results, runId, zone, outcome);
  const tally = countByStatus(outcome);
  await deps.ledger.updateRun(runId, (run) => ({ ...run, quality: { ...run.quality, [zone]: tally } }));
  const failures = outcome.filter((r) => r.status !== 'pass');
  for (const r of failures) {
    // Both severities alert (error-level lines reach scan-logs); only `fail` (severity error) stops the run.
    // A `warn` failure is marked so the alert counts it as a warning, not an error.
    deps.logger.error(
      r.status === 'fail' ? 'data-quality test failed; the run stops before load' : 'data-quality warning; the run loads',
      {
        step: 'transform',
        runId,
        table: `${r.zone}.${r.model}`,
        test: r.test,
        failingRows: r.failing_rows,
        sampleKeys: r.sample_keys,
        error: describeFailure(r),
        ...(r.status === 'warn' ? WARNING_ALERT : {}),
      },
    );
  }
  deps.logger.info('data-quality tests run', { step: 'transform', target: zone, runId, ...tally });
  const stopping = outcome.filter((r) => r.status === 'fail');
  if (stopping.length) throw new QualityFailedError(runId, stopping);
  return outcome;
}

/** Zero counts, for summaries of runs not tested yet. */
export const NO_RESULTS: Record<QualityStatus, number> = { pass: 0, warn: 0, fail: 0 };
