/** The benchmark's printed table (one per scale) and its JSON document. */
import { cpus, totalmem } from 'node:os';
import { textTable } from '../cli/text-table';
import type { ScaleFigures } from './run-scale';

const int = (n: number) => Math.round(n).toLocaleString('en-GB');
const secs = (n: number) => n.toFixed(2);
const ratio = (n: number | undefined) => (n === undefined ? '' : `${n.toFixed(2)}×`);
const mb = (n: number) => `${Math.round(n)} MB`;
const yes = (ok: boolean) => (ok ? 'met' : 'MISSED');

/** The printed report of one scale: the stage table, then the incremental run and the targets. */
export function renderScale(f: ScaleFigures): string {
  const lines: string[] = [];
  const tables = Object.entries(f.sourceRows)
    .filter(([t]) => ['sales_order', 'purchase_order', 'transaction', 'payment'].includes(t))
    .map(([t, n]) => `${t} ${int(n)}`)
    .join(', ');
  lines.push(`scale ${f.scale}: ${int(f.totalSourceRows)} source rows (${tables}); seeded in ${f.seedSeconds.toFixed(1)} s`);
  const table = textTable(
    ['stage', 'seconds', 'rows', 'rows/s', 'peak RSS', 'floor s', 'ratio'],
    ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
  for (const s of f.stages) {
    table.push([
      s.stage,
      secs(s.seconds),
      int(s.rows),
      int(s.rowsPerSecond),
      mb(s.peakRssMb),
      s.floorSeconds === undefined ? '' : secs(s.floorSeconds),
      ratio(s.ratio),
    ]);
  }
  const e = f.endToEnd;
  table.push([
    'end to end',
    secs(e.seconds),
    int(e.rows),
    int(e.rowsPerSecond),
    mb(e.peakRssMb),
    secs(e.floorSeconds),
    ratio(e.ratio),
  ]);
  lines.push(table.toString());
  const q = f.quality;
  lines.push(
    `data-quality tests: ${q.tests} tests (${q.failed} failed) took ${secs(q.seconds)} s, ${q.percentOfPass}% of the pass ` +
      `(target < 20% at scale 1: ${yes(q.percentOfPass < 20)})`,
  );
  const i = f.incremental;
  const slow = [...i.stages]
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, 3)
    .map((s) => `${s.stage} ${secs(s.seconds)}`);
  lines.push(
    `incremental: ${i.changedRows} rows changed → pass ${secs(i.seconds)} s, peak RSS ${mb(i.peakRssMb)} (slowest: ${slow.join(', ')})`,
  );
  const r = f.reconcile;
  lines.push(
    `reconcile (dry run, ${int(r.differences)} differences): ${secs(r.reconcileSeconds)} s = ${ratio(r.ratioToKeyFloor)} one COPY of the keys ` +
      `(${secs(r.keyFloorSeconds)} s)` +
      (r.tableFloorSeconds === undefined || r.ratioToTableFloor === undefined
        ? ''
        : `, ${ratio(r.ratioToTableFloor)} one COPY of every table (${secs(r.tableFloorSeconds)} s)`),
  );
  const c = f.changeCapture;
  lines.push(
    `CDC incremental: ${c.incremental.changedRows} rows changed → pass ${secs(c.incremental.seconds)} s, extract ${secs(c.incremental.extractSeconds)} s, ` +
      `source table scans during the pass: ${c.incremental.sourceTableScans}`,
  );
  lines.push(
    `CDC latency (lakehouse watch, commit → warehouse) over ${c.latency.commits} commits: p50 ${secs(c.latency.p50Seconds)} s, ` +
      `p95 ${secs(c.latency.p95Seconds)} s, max ${secs(c.latency.maxSeconds)} s`,
  );
  lines.push(
    `targets: end to end ≤ 2× floors ${yes(f.targets.endToEndWithin2xFloors)}; every stage ≤ 3× its floor ${yes(f.targets.everyStageWithin3xFloor)}; ` +
      `peak RSS < 500 MB ${yes(f.targets.peakRssUnder500Mb)}; incremental < 3 s ${yes(f.targets.incrementalUnder3s)}; ` +
      `CDC latency p50 < 2 s ${yes(f.targets.cdcLatencyP50Under2s)}`,
  );
  return lines.join('\n');
}

/** The machine the figures come from (no host names or paths). */
export function machineInfo(serverVersion: string): Record<string, unknown> {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    postgres: serverVersion,
  };
}

/** The JSON document of a benchmark invocation. */
export function benchDocument(input: {
  startedAt: Date;
  serverVersion: string;
  scales: ScaleFigures[];
  wallSeconds: number;
}): string {
  return `${JSON.stringify(
    {
      startedAt: input.startedAt.toISOString(),
      wallSeconds: Number(input.wallSeconds.toFixed(1)),
      machine: machineInfo(input.serverVersion),
      scales: input.scales,
    },
    null,
    2,
  )}\n`;
}
