/**
 * Per-stage wall time and peak resident memory of the benchmark process.
 * DuckDB and the node-postgres client run inside this process, so its RSS
 * covers them; the PostgreSQL server's own memory is not counted.
 */
import type { Route } from '../../jobs/lib/definition/routes';
import type { LocalRuntime } from '../../jobs/lib/runtimes/local/local-runtime';
import { runPass, type PassResult } from '../../jobs/lib/runtimes/local/run-pass';

/** The stages of one pass, in chain order, with the route that runs each. */
export const STAGES = [
  { label: 'extract', route: 'schedule-extract' },
  { label: 'crawl raw', route: 'manifest-crawl-raw' },
  { label: 'cleaned', route: 'raw-crawled-transform-cleaned' },
  { label: 'crawl cleaned', route: 'cleaned-written-crawl' },
  { label: 'transformed', route: 'cleaned-crawled-transform-transformed' },
  { label: 'crawl transformed', route: 'transformed-written-crawl' },
  { label: 'load', route: 'transformed-crawled-load' },
] as const;
export type StageLabel = (typeof STAGES)[number]['label'];

/** What one stage took. */
export interface StageMeasure {
  /** Wall time, seconds. */
  seconds: number;
  /** Highest RSS of the process seen while the stage ran, bytes. */
  peakRss: number;
}

/**
 * Samples the process RSS every `intervalMs` and keeps the highest value per
 * stage. The operating system's own high-water mark (`resourceUsage().maxRSS`)
 * is folded in whenever it rose during a stage, so short spikes between two
 * samples are not missed.
 */
export class StageMeter {
  private timer?: NodeJS.Timeout;
  private current?: { label: string; started: number; peak: number; maxRssBefore: number };
  private overallPeak = 0;
  /** Measures per stage label (a stage that ran twice in one pass adds up). */
  readonly stages = new Map<string, StageMeasure>();

  constructor(private readonly intervalMs = 10) {}

  /** Starts sampling. */
  start(): void {
    this.stop();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops sampling. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Forgets all measures (the sampler keeps running). */
  reset(): void {
    this.stages.clear();
    this.overallPeak = 0;
  }

  /** Highest RSS seen by any stage since the last reset, bytes. */
  get peakRss(): number {
    return this.overallPeak;
  }

  /** Runs `fn` as stage `label`, recording its wall time and peak RSS. */
  async measure<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const rss = process.memoryUsage.rss();
    this.current = { label, started: performance.now(), peak: rss, maxRssBefore: process.resourceUsage().maxRSS };
    try {
      return await fn();
    } finally {
      this.sample();
      const { started, peak, maxRssBefore } = this.current;
      const maxRss = process.resourceUsage().maxRSS;
      const stagePeak = maxRss > maxRssBefore ? Math.max(peak, maxRss * 1024) : peak;
      const before = this.stages.get(label);
      this.stages.set(label, {
        seconds: (before?.seconds ?? 0) + (performance.now() - started) / 1000,
        peakRss: Math.max(before?.peakRss ?? 0, stagePeak),
      });
      this.overallPeak = Math.max(this.overallPeak, stagePeak);
      this.current = undefined;
    }
  }

  private sample(): void {
    if (!this.current) return;
    const rss = process.memoryUsage.rss();
    if (rss > this.current.peak) this.current.peak = rss;
  }
}

/** The stage label of a route (undefined for routes outside a pass, e.g. the sweep). */
export function stageOfRoute(route: Pick<Route, 'name'>): StageLabel | undefined {
  return STAGES.find((s) => s.route === route.name)?.label;
}

/** Runs one pass with every dispatched step measured as its stage; throws when a step failed. */
export async function measuredPass(runtime: LocalRuntime, meter: StageMeter): Promise<PassResult> {
  const dispatch = runtime.dispatch.bind(runtime);
  runtime.dispatch = (route, event) => {
    const label = stageOfRoute(route);
    return label ? meter.measure(label, () => dispatch(route, event)) : dispatch(route, event);
  };
  try {
    const pass = await runPass(runtime);
    if (pass.failures.length) {
      throw new Error(`the pass failed: ${pass.failures.map((f) => `${f.route}: ${f.error}`).join('; ')}`);
    }
    return pass;
  } finally {
    runtime.dispatch = dispatch;
  }
}
