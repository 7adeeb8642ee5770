/**
 * `lakehouse test [--run <id>]`: runs the declared data-quality tests
 * (sql/<zone>/*.tests.yaml, sql/tests/*.sql) and the source freshness checks
 * on demand, for one run (default: the newest run that reached the cleaned
 * zone), on the local engine; writes the results to the lake
 * (`quality.results`), prints them, and exits 1 when an `error` test or an
 * `error_after` freshness threshold failed (README "Data quality").
 */
import type { Command } from 'commander';
import type { RunRecord } from '../../../jobs/lib/core/ports';
import { loadDeclarations } from '../../../jobs/lib/core/quality/declarations';
import { countByStatus, describeFailure, writeResults, type QualityResult } from '../../../jobs/lib/core/quality/results';
import { runQualityTests } from '../../../jobs/lib/core/quality/run-tests';
import { readSeedSnapshot } from '../../../jobs/lib/core/quality/source-freshness';
import { RUN_STAGES } from '../../../jobs/lib/definition/run-stages';
import type { LocalRuntime } from '../../../jobs/lib/runtimes/local/local-runtime';
import { textTable } from '../text-table';
import { withRuntime } from '../with-runtime';

/** What a test command did. */
export interface TestReport {
  runId: string;
  results: QualityResult[];
}

/**
 * Whether the run's models of `zone` were written: it reached the zone, or
 * its transform into the zone wrote them and then failed (a failed quality
 * gate leaves the run one stage back with its files in place).
 */
const reached = (run: RunRecord, zone: 'cleaned' | 'transformed') =>
  RUN_STAGES.indexOf(run.stage) >= RUN_STAGES.indexOf(zone) || run.failed?.step === `transform:${zone}`;

/**
 * Tests one run: the cleaned zone's tests and freshness when the run reached
 * cleaned, the transformed zone's when it reached transformed (or its
 * transform into the zone failed, e.g. on a test); writes each
 * zone's results to the lake (replacing the chain's for that run).
 *
 * @param runId  the run; default the newest run that reached the cleaned zone
 * @param options.freshness  false to skip the source freshness checks (default true)
 * @throws TypeError when the run does not exist or has not reached the cleaned zone (nothing to test)
 */
export async function testRun(runtime: LocalRuntime, runId?: string, options: { freshness?: boolean } = {}): Promise<TestReport> {
  let run: RunRecord | undefined;
  if (runId) {
    run = await runtime.ledger.getRun(runId);
    if (!run) throw new TypeError(`no such run in the ledger: ${runId}`);
  } else {
    run = (await runtime.ledger.listRuns()).filter((r) => reached(r, 'cleaned')).at(-1);
    if (!run) throw new TypeError('no run has reached the cleaned zone yet: nothing to test (run `lakehouse run` first)');
  }
  if (!reached(run, 'cleaned'))
    throw new TypeError(`run ${run.runId} is at stage ${run.stage}: its models have not been written yet`);
  const history = (await runtime.ledger.listRuns({ limit: 50 })).filter((r) => r.runId < run.runId);
  // The same freshness rule as every pass: a seeded snapshot is as fresh as when it was seeded.
  const snapshot = await readSeedSnapshot(runtime.lake.transformed);
  const results: QualityResult[] = [];
  for (const zone of ['cleaned', 'transformed'] as const) {
    if (!reached(run, zone)) continue;
    const declarations = loadDeclarations(zone);
    if (options.freshness === false) declarations.freshness = [];
    const outcome = await runQualityTests(
      {
        runId: run.runId,
        declarations,
        counts: run.counts[zone] ?? {},
        history: history.filter((r) => r.counts[zone]).map((r) => r.counts[zone]!),
        snapshot,
      },
      { engine: runtime.engine, clock: runtime.clock },
    );
    await writeResults(runtime.lake.transformed, run.runId, zone, outcome);
    results.push(...outcome);
  }
  return { runId: run.runId, results };
}

/** The report as text: one line per test that did not pass, then the counts per table and status. */
export function renderTestReport(report: TestReport): string {
  const table = textTable(['table', 'tests', 'passed', 'warnings', 'failed'], ['left', 'right', 'right', 'right', 'right']);
  const byModel = new Map<string, QualityResult[]>();
  for (const r of report.results) byModel.set(`${r.zone}.${r.model}`, [...(byModel.get(`${r.zone}.${r.model}`) ?? []), r]);
  for (const [model, results] of byModel) {
    const c = countByStatus(results);
    table.push([model, String(results.length), String(c.pass), String(c.warn), String(c.fail)]);
  }
  const c = countByStatus(report.results);
  const lines = [`data-quality tests of run ${report.runId}`, table.toString()];
  for (const r of report.results.filter((x) => x.status !== 'pass'))
    lines.push(`${r.status.toUpperCase()} ${describeFailure(r)}`);
  lines.push(`${report.results.length} tests: ${c.pass} passed, ${c.warn} warnings, ${c.fail} failed`);
  return lines.join('\n');
}

export function registerTest(program: Command, setCode: (code: number) => void): void {
  program
    .command('test')
    .description('run the declared data-quality tests and source freshness checks for a run; exit 1 when an error test fails')
    .option('--run <id>', 'the run to test (default: the newest run that reached the cleaned zone)')
    .option('--no-freshness', 'skip the source freshness checks')
    .option('--json', 'print the results as a JSON array and nothing else')
    .action(async (options: { run?: string; json?: boolean; freshness: boolean }) => {
      await withRuntime(async (runtime) => {
        let report: TestReport;
        try {
          report = await testRun(runtime, options.run, { freshness: options.freshness });
        } catch (error) {
          if (!(error instanceof TypeError)) throw error;
          console.error(error.message);
          setCode(1);
          return;
        }
        console.log(options.json ? JSON.stringify(report.results) : renderTestReport(report));
        setCode(report.results.some((r) => r.status === 'fail') ? 1 : 0);
      });
    });
}
