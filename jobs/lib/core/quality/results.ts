/**
 * Data-quality result records: one per test per run, written as JSON Lines
 * to the transformed zone under `quality/results/run_id=<run>/<zone>.jsonl`
 * (object-keys.ts) and read back as the `quality.results` table
 * (docs/architecture.md "Data quality").
 */
import { keys } from '../../definition/object-keys';
import type { ObjectStore } from '../ports';
import type { Severity } from './declarations';

/**
 * `pass`; `warn`: a warn-severity test failed (the run loads); `fail`: an
 * error-severity test failed (the run stops before load).
 */
export type QualityStatus = 'pass' | 'warn' | 'fail';

/** One test's outcome for one run (the columns of `quality.results`). */
export interface QualityResult {
  run_id: string;
  /** The zone the tested model is in. */
  zone: 'cleaned' | 'transformed';
  model: string;
  test: string;
  /** unique, not_null, relationships, accepted_values, expression, row_count, singular or freshness. */
  kind: string;
  severity: Severity;
  status: QualityStatus;
  failing_rows: number;
  /** Up to five failing keys, smallest first (freshness: the newest last_updated). */
  sample_keys: string[];
  /** Wall time of the test's query, seconds; the generic tests of a zone run as one query and share its time equally. */
  seconds: number;
  /** When the test ran, ISO 8601 UTC. */
  tested_at: string;
  /**
   * Why it failed, in words (row_count and freshness say what they compared); empty when it passed,
   * except a row_count with no earlier run to compare with, which passes and says so.
   */
  detail: string;
}

/** The result lines as JSON Lines text, one object per line. */
export function resultLines(results: QualityResult[]): string {
  return results.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/**
 * Writes a zone's results for a run to `quality/results/run_id=<run>/<zone>.jsonl`
 * in `store` (the transformed zone), replacing an earlier write of the same
 * run and zone (a retry re-tests and rewrites). Throws what the store throws.
 */
export async function writeResults(
  store: ObjectStore,
  runId: string,
  zone: 'cleaned' | 'transformed',
  results: QualityResult[],
): Promise<string> {
  const key = keys.qualityResults(runId, zone);
  await store.put(key, resultLines(results));
  return key;
}

/** Counts per status. */
export function countByStatus(results: QualityResult[]): Record<QualityStatus, number> {
  const counts: Record<QualityStatus, number> = { pass: 0, warn: 0, fail: 0 };
  for (const r of results) counts[r.status]++;
  return counts;
}

/** One line a person can act on: `error test unique_currency_code on transformed.dim_currency: 1 failing row (sample keys: GBP)`. */
export function describeFailure(r: QualityResult): string {
  const rows = `${r.failing_rows} failing row${r.failing_rows === 1 ? '' : 's'}`;
  const sample = r.sample_keys.length ? ` (sample keys: ${r.sample_keys.join(', ')})` : '';
  const detail = r.detail ? `; ${r.detail}` : '';
  return `${r.severity} test ${r.test} on ${r.zone}.${r.model}: ${rows}${sample}${detail}`;
}

/**
 * A run's data-quality counts in words, over the zones tested:
 * `86 passed`, `84 passed, 1 warning, 1 failed`; empty when the run was not tested.
 */
export function qualitySummary(quality: Partial<Record<string, Record<QualityStatus, number>>> | undefined): string {
  const totals: Record<QualityStatus, number> = { pass: 0, warn: 0, fail: 0 };
  let any = false;
  for (const counts of Object.values(quality ?? {})) {
    if (!counts) continue;
    any = true;
    for (const s of ['pass', 'warn', 'fail'] as const) totals[s] += counts[s] ?? 0;
  }
  if (!any) return '';
  const parts = [`${totals.pass} passed`];
  if (totals.warn) parts.push(`${totals.warn} warning${totals.warn === 1 ? '' : 's'}`);
  if (totals.fail) parts.push(`${totals.fail} failed`);
  return parts.join(', ');
}
