/**
 * The benchmark's data-quality figure (issue 14): how much time a pass's
 * data-quality tests add, from the run's result records
 * (`quality/results/run_id=<run>/<zone>.jsonl`, each test's own seconds),
 * against the wall time of the pass. Target: under 20 % at scale 1.
 */
import type { QualityResult } from '../../jobs/lib/core/quality/results';
import type { LocalRuntime } from '../../jobs/lib/runtimes/local/local-runtime';
import { keys } from '../../jobs/lib/definition/object-keys';
import type { FreshnessCheck } from '../../jobs/lib/core/quality/source-freshness';

/** Tests run and the time they took in one pass. */
export interface QualityFigures {
  tests: number;
  failed: number;
  /** Sum of the tests' own wall times, seconds. */
  seconds: number;
  /** seconds / the pass's wall time, as a percentage. */
  percentOfPass: number;
}

/**
 * Reads the run's results of both zones, adds the pass's source freshness
 * check when given (it runs on every pass), and sums their time.
 * @throws when a zone's results are missing (the quality gate did not run)
 */
export async function qualityFigures(
  runtime: LocalRuntime,
  runId: string,
  passMs: number,
  freshness?: FreshnessCheck,
): Promise<QualityFigures> {
  const results: QualityResult[] = (freshness?.tables ?? []).map((t) => t.result);
  for (const zone of ['cleaned', 'transformed'] as const) {
    const text = (await runtime.lake.transformed.get(keys.qualityResults(runId, zone))).toString('utf8');
    for (const line of text.split('\n')) if (line.trim()) results.push(JSON.parse(line) as QualityResult);
  }
  const seconds = results.reduce((s, r) => s + r.seconds, 0);
  return {
    tests: results.length,
    failed: results.filter((r) => r.status === 'fail').length,
    seconds: Math.round(seconds * 1000) / 1000,
    percentOfPass: Math.round((seconds / (passMs / 1000)) * 1000) / 10,
  };
}
