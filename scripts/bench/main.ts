/**
 * `npm run bench [-- <scale> …]`: the scale benchmark (issue 5). For each
 * scale (default 1 and 20) it seeds a source database at that scale on a real
 * PostgreSQL server (`LAKEHOUSE_BENCH_URL`, default a local server), runs the
 * whole local pipeline into a warehouse database on the same server, measures
 * the floors on the same data and a 100-row incremental run, prints one table
 * per scale and writes all figures to `bench-results/bench-<time>.json`.
 *
 * Exit code: 0 when every scale ran (targets missed are reported, not
 * failures), 1 when a scale failed, 2 for bad arguments or no server.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { benchDocument, renderScale } from './report';
import { runScale, type ScaleFigures } from './run-scale';
import { redactUrl } from '../redact-url';
import { BenchServerError, benchServerUrl, connectAdmin, serverVersion } from './server';

/** Scales run when none are given. */
export const DEFAULT_SCALES = [1, 20];

/**
 * Parses the scale arguments: whole numbers ≥ 1, in the order given; none → {@link DEFAULT_SCALES}.
 * @throws RangeError naming the first bad argument.
 */
export function parseScales(args: string[]): number[] {
  if (args.length === 0) return [...DEFAULT_SCALES];
  return args.map((arg) => {
    const n = Number(arg);
    if (!/^\d+$/.test(arg) || !Number.isInteger(n) || n < 1)
      throw new RangeError(`not a scale (a whole number ≥ 1): ${JSON.stringify(arg)}`);
    return n;
  });
}

/** Runs the benchmark for `argv` (process.argv); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let scales: number[];
  try {
    scales = parseScales(argv.slice(2).filter((a) => a !== '--'));
  } catch (error) {
    console.error(`${(error as Error).message}\nusage: npm run bench [-- <scale> …]   (default: ${DEFAULT_SCALES.join(' ')})`);
    return 2;
  }
  const url = benchServerUrl();
  let admin: Awaited<ReturnType<typeof connectAdmin>>;
  try {
    admin = await connectAdmin(url);
  } catch (error) {
    console.error(error instanceof BenchServerError ? error.message : String(error));
    return 2;
  }
  const startedAt = new Date();
  const results: ScaleFigures[] = [];
  let code = 0;
  try {
    const version = await serverVersion(admin);
    console.log(`benchmark on ${redactUrl(url)} (${version.split(' on ')[0]}), scales ${scales.join(', ')}`);
    for (const scale of scales) {
      try {
        const figures = await runScale({
          scale,
          admin,
          serverUrl: url,
          databasePrefix: `lakehouse_bench_${process.pid}`,
          log: (line) => console.error(line),
        });
        results.push(figures);
        console.log(`\n${renderScale(figures)}`);
      } catch (error) {
        console.error(`scale ${scale} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        code = 1;
        if (error instanceof BenchServerError) break;
      }
    }
    const wallSeconds = (Date.now() - startedAt.getTime()) / 1000;
    const dir = resolve(process.cwd(), 'bench-results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, benchDocument({ startedAt, serverVersion: version, scales: results, wallSeconds }));
    console.log(`\nbenchmark wall time ${wallSeconds.toFixed(0)} s; figures written to ${file}`);
  } finally {
    await admin.end();
  }
  return code;
}

if (require.main === module) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
