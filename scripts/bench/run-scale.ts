/**
 * One scale of the benchmark: seed a fresh source database at scale N on the
 * server, then, in a fresh child process (so its memory is the pipeline's
 * alone, not the seeding's or an earlier scale's), run one full pass of the
 * local pipeline into a fresh warehouse database (timing and sampling every
 * stage), measure the floors on the same data, then change 100 source rows
 * and time the incremental pass that picks them up. Everything the benchmark
 * creates (two databases, a temporary lakehouse home) is removed at the end,
 * also on failure.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import { openDuckDb } from '../../jobs/lib/adapters/duckdb/duckdb';
import { openPgServer } from '../../jobs/lib/adapters/postgres/pg-client';
import { qualityFigures, type QualityFigures } from './quality';
import type { LocalRuntime } from '../../jobs/lib/runtimes/local/local-runtime';
import { openLocalRuntime } from '../../jobs/lib/runtimes/local/runtime';
import { readSettings } from '../../jobs/lib/runtimes/local/settings';
import { keys } from '../../jobs/lib/definition/object-keys';
import { SOURCE_TABLES, STAR_TABLES } from '../../jobs/lib/definition/tables';
import type { Zone } from '../../jobs/lib/definition/zones';
import type { RunRecord } from '../../jobs/lib/core/ports';
import { seedSource } from '../seed/seed-source';
import { duckDbFloor, extractFloor, loadFloor, type FloorInput, type FloorMeasure, type LoadFloorInput } from './floors';
import { changeRows } from './incremental';
import { measureChangeCapture, type ChangeCaptureFigures } from './change-capture';
import { measureReconcile, type ReconcileFigures } from './reconcile-figures';
import { createDatabase, dropDatabase } from './server';
import { STAGES, StageMeter, measuredPass, type StageLabel } from './stage-meter';

/** One stage's figures. */
export interface StageFigures {
  stage: StageLabel;
  seconds: number;
  /** Rows the stage took in (see {@link STAGE_ROWS}). */
  rows: number;
  rowsPerSecond: number;
  /** Peak RSS of the process during the stage, MB (2^20 bytes). */
  peakRssMb: number;
  /** The stage's floor in seconds, for stages that have one. */
  floorSeconds?: number;
  /** seconds / floorSeconds. */
  ratio?: number;
}

/** Everything measured at one scale (also the JSON written to bench-results/). */
export interface ScaleFigures {
  scale: number;
  /** Rows per source table after seeding. */
  sourceRows: Record<string, number>;
  totalSourceRows: number;
  seedSeconds: number;
  runId: string;
  stages: StageFigures[];
  /** The full pass's data-quality tests: how many, and the time they add (scripts/bench/quality.ts). */
  quality: QualityFigures;
  endToEnd: { seconds: number; rows: number; rowsPerSecond: number; peakRssMb: number; floorSeconds: number; ratio: number };
  floors: Record<'extract' | 'cleaned' | 'transformed' | 'load', FloorMeasure>;
  incremental: {
    changedRows: number;
    /** Wall time of the whole incremental pass (pipeline time), seconds. */
    seconds: number;
    peakRssMb: number;
    extracted: Record<string, number>;
    loaded: Record<string, number>;
    stages: { stage: StageLabel; seconds: number; peakRssMb: number }[];
  };
  /** Reconcile (dry run) after the incremental pass, against one COPY of the keys and of every table (reconcile-figures.ts). */
  reconcile: ReconcileFigures;
  /** Change capture on the same data: the 100-change CDC pass and the commit-to-warehouse latency (change-capture.ts). */
  changeCapture: ChangeCaptureFigures;
  /** The targets, evaluated (reported, not asserted). */
  targets: {
    endToEndWithin2xFloors: boolean;
    everyStageWithin3xFloor: boolean;
    peakRssUnder500Mb: boolean;
    incrementalUnder3s: boolean;
    cdcLatencyP50Under2s: boolean;
  };
}

/** Which rows each stage's rows/s counts: the rows of the run the stage took in. */
export const STAGE_ROWS: Record<StageLabel, 'extracted' | 'cleaned' | 'transformed'> = {
  extract: 'extracted',
  'crawl raw': 'extracted',
  cleaned: 'extracted',
  'crawl cleaned': 'cleaned',
  transformed: 'cleaned',
  'crawl transformed': 'transformed',
  load: 'transformed',
};

/** Which floor each stage is compared with. */
const STAGE_FLOOR: Partial<Record<StageLabel, keyof ScaleFigures['floors']>> = {
  extract: 'extract',
  cleaned: 'cleaned',
  transformed: 'transformed',
  load: 'load',
};

const MB = 1024 * 1024;
const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);
const round = (n: number, digits = 3) => Number(n.toFixed(digits));

/** Options of one scale. */
export interface ScaleOptions {
  scale: number;
  /** Admin connection and URL of the server. */
  admin: Client;
  serverUrl: string;
  /** Prefix of the databases created (`<prefix>_source`, `<prefix>_warehouse`). */
  databasePrefix: string;
  /** Progress lines go here. */
  log: (line: string) => void;
}

/** The run a pass made (the newest run in the ledger). */
async function newestRun(runtime: LocalRuntime): Promise<RunRecord> {
  const runs = await runtime.ledger.listRuns();
  const run = runs[runs.length - 1];
  if (!run) throw new Error('the pass made no run');
  if (run.stage !== 'loaded') throw new Error(`run ${run.runId} stopped at ${run.stage}`);
  return run;
}

/** Absolute paths of a run's files of `table` in `zone` ending in `suffix`. */
async function runFiles(runtime: LocalRuntime, zone: Zone, table: string, runId: string, suffix: string): Promise<string[]> {
  const store = runtime.lake[zone];
  return (await store.list(keys.runFolder(table, runId))).filter((o) => o.key.endsWith(suffix)).map((o) => store.uri(o.key));
}

/** What the child process needs to measure one scale. */
export interface MeasureInput {
  scale: number;
  sourceUrl: string;
  warehouseUrl: string;
  sourceRows: Record<string, number>;
  seedSeconds: number;
  /** How many times each floor is measured; the fastest counts. */
  floorRepeats: number;
}

/**
 * Runs the benchmark at one scale (module comment): creates and seeds the
 * source, creates the warehouse, measures in a child process
 * ({@link measureScale} through `measure-child.ts`), and drops both databases.
 * @throws when seeding or the measurement fails (the databases are dropped first).
 */
export async function runScale(options: ScaleOptions): Promise<ScaleFigures> {
  const { scale, admin, serverUrl, databasePrefix, log } = options;
  const sourceDb = `${databasePrefix}_source`;
  const warehouseDb = `${databasePrefix}_warehouse`;
  try {
    const sourceUrl = await createDatabase(admin, serverUrl, sourceDb);
    const warehouseUrl = await createDatabase(admin, serverUrl, warehouseDb);
    log(`scale ${scale}: seeding ${sourceDb} …`);
    const seedClient = await openPgServer(sourceUrl);
    const seedStarted = performance.now();
    let sourceRows: Record<string, number>;
    try {
      sourceRows = (await seedSource(seedClient, { scale })).tables;
      // Settle the freshly loaded tables as a live database would be (hint bits, visibility map, statistics).
      await seedClient.exec('vacuum analyze');
    } finally {
      await seedClient.close();
    }
    // Write the seed's dirty pages out now, so no checkpoint of the seed's WAL lands inside the pass
    // (needs a superuser or pg_checkpoint; without it the pass may pay for part of the seed).
    await admin
      .query('checkpoint')
      .catch((error: unknown) => log(`scale ${scale}: no checkpoint after seeding (${String(error)})`));
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    log(
      `scale ${scale}: ${sum(Object.values(sourceRows)).toLocaleString('en-GB')} source rows seeded in ${seedSeconds.toFixed(1)} s`,
    );
    return await measureInChild({ scale, sourceUrl, warehouseUrl, sourceRows, seedSeconds, floorRepeats: 2 });
  } finally {
    await dropDatabase(admin, sourceDb).catch(() => undefined);
    await dropDatabase(admin, warehouseDb).catch(() => undefined);
  }
}

/** Runs {@link measureScale} in a forked child process (same Node flags, so TypeScript still loads). */
function measureInChild(input: MeasureInput): Promise<ScaleFigures> {
  return new Promise((resolve, reject) => {
    // The same malloc arenas as the CLI launcher gives a run (scripts/bin/lakehouse.js), so peak RSS is a user's.
    const child = fork(join(__dirname, 'measure-child.ts'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' },
    });
    let settled = false;
    child.on('message', (message: { figures?: ScaleFigures; error?: string }) => {
      settled = true;
      if (message.figures) resolve(message.figures);
      else reject(new Error(message.error ?? 'the measuring process sent no figures'));
    });
    child.on('error', (error) => {
      if (!settled) reject(error);
      settled = true;
    });
    child.on('exit', (code) => {
      if (!settled) reject(new Error(`the measuring process exited with code ${code} before reporting`));
      settled = true;
    });
    child.send(input);
  });
}

/** The fastest of `repeats` measurements of a floor. */
async function fastest(repeats: number, measure: () => Promise<FloorMeasure>): Promise<FloorMeasure> {
  let best: FloorMeasure | undefined;
  for (let i = 0; i < repeats; i++) {
    const m = await measure();
    if (!best || m.seconds < best.seconds) best = m;
  }
  return best!;
}

/**
 * Measures one seeded scale (runs in the child process): the full pass, the
 * floors, and the incremental pass. The lakehouse home is a temporary folder,
 * removed at the end. Progress lines go to `log`.
 * @throws when a pass or a floor fails.
 */
export async function measureScale(input: MeasureInput, log: (line: string) => void): Promise<ScaleFigures> {
  const { scale, sourceUrl, warehouseUrl, sourceRows, seedSeconds } = input;
  const home = join(mkdtempSync(join(tmpdir(), 'lakehouse-bench-')), '.lakehouse');
  let runtime: LocalRuntime | undefined;
  const meter = new StageMeter();
  try {
    const totalSourceRows = sum(Object.values(sourceRows));
    log(`scale ${scale}: full pass …`);
    const settings = readSettings({
      LAKEHOUSE_HOME: home,
      LAKEHOUSE_SOURCE_URL: sourceUrl,
      LAKEHOUSE_WAREHOUSE_URL: warehouseUrl,
      LAKEHOUSE_LOOKBACK: '5m',
    });
    runtime = await openLocalRuntime(settings);
    meter.start();
    const pass = await measuredPass(runtime, meter);
    const run = await newestRun(runtime);
    const quality = await qualityFigures(runtime, run.runId, pass.ms, pass.freshness);
    const stageMeasures = new Map(meter.stages);
    const passPeak = meter.peakRss;

    log(`scale ${scale}: full pass ${(pass.ms / 1000).toFixed(1)} s; measuring floors …`);
    const { conn: duck, close: closeDuck } = await openDuckDb();
    const floors = {} as ScaleFigures['floors'];
    try {
      const repeats = input.floorRepeats;
      floors.extract = await fastest(repeats, () => extractFloor(sourceUrl, Object.keys(run.counts.extracted ?? {})));
      const rawInputs: FloorInput[] = [];
      const cleanedInputs: FloorInput[] = [];
      for (const t of SOURCE_TABLES) {
        rawInputs.push({ table: t.name, format: 'json', files: await runFiles(runtime, 'raw', t.name, run.runId, '.jsonl.gz') });
        cleanedInputs.push({
          table: t.name,
          format: 'parquet',
          files: await runFiles(runtime, 'cleaned', t.name, run.runId, '.parquet'),
        });
      }
      floors.cleaned = await fastest(repeats, () => duckDbFloor(duck, rawInputs, join(home, 'floor-cleaned')));
      floors.transformed = await fastest(repeats, () => duckDbFloor(duck, cleanedInputs, join(home, 'floor-transformed')));
      const starInputs: LoadFloorInput[] = [];
      for (const t of STAR_TABLES)
        starInputs.push({ table: t, files: await runFiles(runtime, 'transformed', t.name, run.runId, '.parquet') });
      floors.load = await fastest(repeats, () => loadFloor(warehouseUrl, duck, starInputs, join(home, 'floor-load')));
    } finally {
      closeDuck();
    }

    log(`scale ${scale}: changing 100 source rows; incremental pass …`);
    const change = await changeRows(sourceUrl);
    meter.reset();
    const incrementalPass = await measuredPass(runtime, meter);
    const incrementalRun = await newestRun(runtime);
    if (incrementalRun.runId === run.runId) throw new Error('the incremental pass made no run');
    meter.stop();
    const incrementalStagesMeasured = new Map(meter.stages);
    const incrementalPeak = meter.peakRss;
    log(`scale ${scale}: reconcile (dry run) against its floors …`);
    const reconcile = await measureReconcile(runtime, input.floorRepeats);
    // Change capture needs the home to itself (its latency part runs `lakehouse watch` on it).
    await runtime.close();
    runtime = undefined;
    const changeCapture = await measureChangeCapture({ home, sourceUrl, warehouseUrl, scale }, log);

    // --- figures ---
    const rowsOf = (kind: 'extracted' | 'cleaned' | 'transformed') => sum(Object.values(run.counts[kind] ?? {}));
    const stages: StageFigures[] = STAGES.map(({ label }) => {
      const measure = stageMeasures.get(label) ?? { seconds: 0, peakRss: 0 };
      const rows = rowsOf(STAGE_ROWS[label]);
      const floorKey = STAGE_FLOOR[label];
      const floorSeconds = floorKey ? floors[floorKey].seconds : undefined;
      return {
        stage: label,
        seconds: round(measure.seconds),
        rows,
        rowsPerSecond: Math.round(rows / Math.max(measure.seconds, 1e-6)),
        peakRssMb: round(measure.peakRss / MB, 1),
        ...(floorSeconds !== undefined
          ? { floorSeconds: round(floorSeconds), ratio: round(measure.seconds / floorSeconds, 2) }
          : {}),
      };
    });
    const e2eSeconds = pass.ms / 1000;
    const floorSum = sum(Object.values(floors).map((f) => f.seconds));
    const extractedRows = rowsOf('extracted');
    const incrementalStages = STAGES.map(({ label }) => {
      const m = incrementalStagesMeasured.get(label) ?? { seconds: 0, peakRss: 0 };
      return { stage: label, seconds: round(m.seconds), peakRssMb: round(m.peakRss / MB, 1) };
    });
    return {
      scale,
      sourceRows,
      totalSourceRows,
      seedSeconds: round(seedSeconds, 1),
      runId: run.runId,
      stages,
      endToEnd: {
        seconds: round(e2eSeconds),
        rows: extractedRows,
        rowsPerSecond: Math.round(extractedRows / e2eSeconds),
        peakRssMb: round(passPeak / MB, 1),
        floorSeconds: round(floorSum),
        ratio: round(e2eSeconds / floorSum, 2),
      },
      quality,
      floors: Object.fromEntries(
        Object.entries(floors).map(([k, f]) => [k, { seconds: round(f.seconds), rows: f.rows }]),
      ) as ScaleFigures['floors'],
      incremental: {
        changedRows: change.rows,
        seconds: round(incrementalPass.ms / 1000),
        peakRssMb: round(incrementalPeak / MB, 1),
        extracted: incrementalRun.counts.extracted ?? {},
        loaded: incrementalRun.counts.loaded ?? {},
        stages: incrementalStages,
      },
      reconcile,
      changeCapture,
      targets: {
        endToEndWithin2xFloors: e2eSeconds <= 2 * floorSum,
        everyStageWithin3xFloor: stages.every((st) => st.ratio === undefined || st.ratio <= 3),
        peakRssUnder500Mb: Math.max(passPeak, incrementalPeak) < 500 * MB,
        incrementalUnder3s: incrementalPass.ms < 3000,
        cdcLatencyP50Under2s: changeCapture.latency.p50Seconds < 2,
      },
    };
  } finally {
    meter.stop();
    if (runtime) await runtime.close().catch(() => undefined);
    await fs.rm(join(home, '..'), { recursive: true, force: true });
  }
}
