/**
 * Runs a zone's data-quality tests for one run on the zone's engine
 * (DuckDB locally, Athena on AWS), rendered through the same placeholders and
 * shims as the models, and returns one result per test
 * (docs/architecture.md "Data quality").
 */
import { TerminalError, errorMessage } from '../errors';
import type { Clock, QueryEngine } from '../ports';
import type { DeclaredTest, FreshnessDeclaration, ZoneDeclarations } from './declarations';
import type { QualityResult, QualityStatus } from './results';
import { batchSql, failingRowsSql, singularSummarySql, summarySql } from './test-sql';

/** What to test. */
export interface QualityRunInput {
  runId: string;
  declarations: ZoneDeclarations;
  /** Rows this run wrote per model (row_count tests). */
  counts?: Record<string, number>;
  /** Rows earlier runs wrote per model, oldest first (row_count tests' median). */
  history?: Record<string, number>[];
  /** A seeded snapshot (source-freshness.ts `readSeedSnapshot`): freshness ages it from the seed time, as every pass does. */
  snapshot?: { seededAt: Date; newest: Date };
}

/** The engine the tests run on and the clock results and freshness are timed by. */
export interface QualityDeps {
  engine: Pick<QueryEngine, 'render' | 'query' | 'testsPerQuery'>;
  clock: Clock;
}

/** The median of a non-empty list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const statusOf = (failing: number, severity: 'error' | 'warn'): QualityStatus =>
  failing === 0 ? 'pass' : severity === 'error' ? 'fail' : 'warn';

/**
 * Runs every declared test of the zone for `runId`: the generic row tests
 * together in batches of the engine's `testsPerQuery` (all in one query when
 * it sets none; {@link runBatch}), singular tests one query each,
 * row_count from the counts; then the zone's freshness checks. Results are
 * in declaration order.
 *
 * @returns one result per test (freshness results last)
 * @throws TerminalError naming the test when its SQL cannot be rendered or
 *   fails on the engine (a declaration mistake, not a data failure);
 *   TransientError as the engine throws it (the run waits and is re-tested)
 */
export async function runQualityTests(input: QualityRunInput, deps: QualityDeps): Promise<QualityResult[]> {
  const tests = input.declarations.tests;
  const batched = new Map<DeclaredTest, QualityResult>();
  const generic = tests.filter((t) => t.test.kind !== 'singular' && t.test.kind !== 'row_count');
  const size = Math.max(1, deps.engine.testsPerQuery ?? generic.length);
  for (let i = 0; i < generic.length; i += size) {
    const batch = generic.slice(i, i + size);
    if (batch.length > 1) for (const [test, result] of await runBatch(batch, input, deps)) batched.set(test, result);
  }
  const out: QualityResult[] = [];
  for (const test of tests) out.push(batched.get(test) ?? (await runOne(test, input, deps)));
  for (const f of input.declarations.freshness) out.push(await checkFreshness(f, input.runId, deps, input.snapshot));
  return out;
}

/**
 * Runs the generic row tests of a zone as ONE query (a UNION ALL of each
 * test's summary, tagged with its index): one plan and one catalog look-up
 * instead of one per test, which on DuckDB and Athena costs more than most
 * tests themselves. Each result's `seconds` is its equal share of the
 * query's wall time. When the query fails with a terminal error, returns
 * nothing, so each test runs alone and the failing one is named.
 */
async function runBatch(
  tests: DeclaredTest[],
  input: QualityRunInput,
  deps: QualityDeps,
): Promise<Map<DeclaredTest, QualityResult>> {
  const started = performance.now();
  let rows: Record<string, unknown>[];
  try {
    rows = await deps.engine.query(await deps.engine.render(batchSql(tests, input.declarations.keys), input.runId));
  } catch (error) {
    if (!(error instanceof TerminalError)) throw error;
    return new Map();
  }
  const share = Math.round((performance.now() - started) / tests.length) / 1000;
  const byTest = new Map<number, Record<string, unknown>[]>();
  for (const row of rows) {
    const i = Number(row.test_index);
    byTest.set(i, [...(byTest.get(i) ?? []), row]);
  }
  const testedAt = deps.clock.now().toISOString();
  return new Map(
    tests.map((test, i) => {
      const hits = (byTest.get(i) ?? []).sort((a, b) => String(a.failing_key).localeCompare(String(b.failing_key)));
      const failing = Number(hits[0]?.failing_rows ?? 0);
      const result: QualityResult = {
        run_id: input.runId,
        zone: test.zone,
        model: test.model,
        test: test.name,
        kind: test.test.kind,
        severity: test.severity,
        status: statusOf(failing, test.severity),
        failing_rows: failing,
        sample_keys: hits.map((r) => (r.failing_key === null || r.failing_key === undefined ? 'null' : String(r.failing_key))),
        seconds: share,
        tested_at: testedAt,
        detail: '',
      };
      return [test, result] as const;
    }),
  );
}

async function runOne(test: DeclaredTest, input: QualityRunInput, deps: QualityDeps): Promise<QualityResult> {
  const started = performance.now();
  const base = {
    run_id: input.runId,
    zone: test.zone,
    model: test.model,
    test: test.name,
    kind: test.test.kind,
    severity: test.severity,
    tested_at: deps.clock.now().toISOString(),
  };
  const finish = (failing: number, sample: string[], detail: string): QualityResult => ({
    ...base,
    status: statusOf(failing, test.severity),
    failing_rows: failing,
    sample_keys: sample,
    seconds: Math.round(performance.now() - started) / 1000,
    detail: failing === 0 ? '' : detail,
  });

  if (test.test.kind === 'row_count') {
    const current = input.counts?.[test.model] ?? 0;
    // The runs that wrote the table: a run with no rows of it (all rejected, say) is no measure of a usual run,
    // and a median of 0 would flag every later run.
    const earlier = (input.history ?? []).map((h) => h[test.model]).filter((n): n is number => n !== undefined && n > 0);
    const window = earlier.slice(-test.test.runs);
    if (window.length === 0) {
      // Nothing to compare with yet (the table's first run): a pass that says so, never a failure.
      return {
        ...finish(0, [], ''),
        detail: `${current} rows; no earlier run wrote ${test.model}, so there is no median to compare with yet`,
      };
    }
    const mid = median(window);
    // A tolerance of 1 or more has no lower bound: only a run far over the median fails.
    const low = Math.max(0, mid * (1 - test.test.tolerance));
    const high = mid * (1 + test.test.tolerance);
    const off = current < low || current > high;
    return finish(
      off ? 1 : 0,
      [],
      `${current} rows against a median of ${mid} over the last ${window.length} run(s) (allowed ${Math.ceil(low)}–${Math.floor(high)})`,
    );
  }

  const key = input.declarations.keys[test.model];
  const spec = test.test;
  const singular = spec.kind === 'singular';
  const sql =
    spec.kind === 'singular' ? singularSummarySql(spec.sql) : summarySql(failingRowsSql(test.zone, test.model, spec, key));
  let rows: Record<string, unknown>[];
  try {
    rows = await deps.engine.query(await deps.engine.render(sql, input.runId));
  } catch (error) {
    if (!(error instanceof TerminalError)) throw error;
    throw new TerminalError(`data-quality test ${test.name} on ${test.zone}.${test.model} cannot run: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  const failing = Number(rows[0]?.failing_rows ?? 0);
  const sample = rows.map((r) => sampleKey(r, singular));
  const detail = spec.kind === 'singular' ? `rows returned by ${spec.path.split(/[\\/]/).pop()}` : '';
  return finish(failing, sample, detail);
}

/** The sample key of one summary row: its failing_key, else (singular tests) its values joined with `|`. */
function sampleKey(row: Record<string, unknown>, singular: boolean): string {
  if (row.failing_key !== undefined && row.failing_key !== null) return String(row.failing_key);
  if (!singular) return 'null';
  return Object.entries(row)
    .filter(([k]) => k !== 'failing_rows')
    .map(([, v]) => (v === null ? 'null' : String(v)))
    .join('|');
}

/**
 * Freshness of a source table: the age, at the clock's now, of the newest
 * `last_updated` in its cleaned table across every run up to this one. Source
 * timestamps carry no zone; they are read as UTC. A table with no rows yet is
 * stale by definition (age unknown) only when thresholds exist: it fails at
 * the highest declared severity. With `snapshot` (a seeded source), a table
 * holding nothing newer than the snapshot's newest change is aged from the
 * seed time instead.
 */
export async function checkFreshness(
  f: FreshnessDeclaration,
  runId: string,
  deps: QualityDeps,
  snapshot?: { seededAt: Date; newest: Date },
): Promise<QualityResult> {
  const started = performance.now();
  const sql = `select cast(max(m.last_updated) as varchar) as newest from {{ cleaned.${f.table}:all }} m`;
  const rows = await deps.engine.query(await deps.engine.render(sql, runId));
  const newestText = rows[0]?.newest === null || rows[0]?.newest === undefined ? undefined : String(rows[0].newest);
  const now = deps.clock.now();
  const newest = newestText
    ? new Date(`${newestText.replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(newestText) ? '' : 'Z'}`)
    : undefined;
  const valid = newest && !Number.isNaN(newest.getTime()) ? newest : undefined;
  // A seeded snapshot counts as taken when seeded, as long as the table holds nothing newer than the snapshot.
  const fromSeed = valid && snapshot && valid.getTime() <= snapshot.newest.getTime() ? snapshot.seededAt : undefined;
  const ageMs = valid ? now.getTime() - (fromSeed ?? valid).getTime() : Number.POSITIVE_INFINITY;
  const overError = f.errorAfterMs !== undefined && ageMs > f.errorAfterMs;
  const overWarn = f.warnAfterMs !== undefined && ageMs > f.warnAfterMs;
  const severity = overError || f.warnAfterMs === undefined ? 'error' : 'warn';
  const failing = overError || overWarn ? 1 : 0;
  const age = Number.isFinite(ageMs) ? `${(ageMs / 3_600_000).toFixed(1)} h` : 'unknown (no rows yet)';
  const limit = overError ? f.errorAfterMs : f.warnAfterMs;
  return {
    run_id: runId,
    zone: 'cleaned',
    model: f.table,
    test: 'freshness',
    kind: 'freshness',
    severity,
    status: statusOf(failing, severity),
    failing_rows: failing,
    sample_keys: newestText ? [newestText] : [],
    seconds: Math.round(performance.now() - started) / 1000,
    tested_at: now.toISOString(),
    detail: failing
      ? `newest last_updated ${newestText ?? '(none)'}${fromSeed ? ` (seeded snapshot, seeded ${fromSeed.toISOString()})` : ''} is ${age} old at ${now.toISOString()} (${severity} after ${((limit ?? 0) / 3_600_000).toFixed(1)} h)`
      : '',
  };
}
