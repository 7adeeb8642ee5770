/**
 * RunLedger over a local folder: one JSON file per run (`runs/<run>.json`) and
 * one for the watermarks (`watermarks.json`). Writes are atomic (temp file +
 * rename); run creation uses an exclusive create and watermark updates check
 * a version counter, mirroring the S3 conditional writes of the AWS ledger.
 *
 * The open-runs index mirrors the S3 ledger's (see s3-run-ledger.ts): a file
 * `open/<run>.json` per claimed or not-yet-loaded run, and
 * `open/_complete.json` once the index covers every run. A claim is an
 * exclusive create of the marker; creating a run writes the marker before the
 * record; a run reaching `loaded` loses its marker after the record is
 * written (and one taken back from `loaded` gets it again before). Readers go through `open/` only, drop markers of loaded runs and of
 * claims older than `claimTimeoutMs` with no record, and index a ledger
 * written before the index existed on the first read that finds
 * `open/_complete.json` missing (reading every record that one time).
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, NotFoundError } from '../../core/errors';
import type { RunStage } from '../../definition/run-stages';
import type { RunClaims, RunLedger, RunRecord, Watermarks } from '../../core/ports';
import { assertRunId } from '../../core/run-id';
import { tempPathFor } from './temp-path';

interface WatermarkFile {
  version: number;
  watermarks: Watermarks;
}

async function writeAtomic(path: string, body: string): Promise<void> {
  const tmp = tempPathFor(path);
  await fs.writeFile(tmp, body);
  await fs.rename(tmp, path);
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The file that says the open-runs index is complete (not a run id: run ids start with a digit). */
const INDEX_COMPLETE = '_complete.json';

/** Options of a FileRunLedger beyond its folder. */
export interface FileRunLedgerOptions {
  /** A claim whose record is still absent after this many milliseconds is dropped from the index. Default one day. */
  claimTimeoutMs?: number;
  /** The clock the claim timeout is measured on. Default the system clock. */
  now?: () => Date;
}

function byRunId(a: RunRecord, b: RunRecord): number {
  return a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
}

/** File names in `dir` ending in `.json`, sorted; none when the folder does not exist. */
async function jsonNames(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** RunLedger over a local folder (module comment). */
export class FileRunLedger implements RunLedger, RunClaims {
  private readonly runsDir: string;
  private readonly openDir: string;
  private readonly watermarkPath: string;
  private readonly claimTimeoutMs: number;
  private readonly now: () => Date;

  /**
   * @param root absolute folder for the ledger (created on first write)
   * @param options claim timeout and clock ({@link FileRunLedgerOptions})
   */
  constructor(
    readonly root: string,
    options: FileRunLedgerOptions = {},
  ) {
    this.runsDir = join(root, 'runs');
    this.openDir = join(root, 'open');
    this.watermarkPath = join(root, 'watermarks.json');
    this.claimTimeoutMs = options.claimTimeoutMs ?? 24 * 60 * 60_000;
    this.now = options.now ?? (() => new Date());
  }

  private runPath(runId: string): string {
    return join(this.runsDir, `${assertRunId(runId)}.json`);
  }

  private markerPath(runId: string): string {
    return join(this.openDir, `${assertRunId(runId)}.json`);
  }

  /** Writes the run's marker; with `exclusive`, ConflictError when it exists. */
  private async writeMarker(runId: string, exclusive: boolean): Promise<void> {
    await fs.mkdir(this.openDir, { recursive: true });
    try {
      await fs.writeFile(this.markerPath(runId), JSON.stringify({ runId }), { flag: exclusive ? 'wx' : 'w' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new ConflictError(`run id ${runId} is claimed by another run`, { cause: error });
      }
      throw error;
    }
  }

  /** Claims `runId` (exclusive create of its marker, then a check that no record exists); ConflictError when taken. */
  async reserveRun(runId: string): Promise<void> {
    await this.writeMarker(runId, true);
    const existing = await this.getRun(runId);
    if (existing) {
      if (existing.stage === 'loaded') await fs.rm(this.markerPath(runId), { force: true });
      throw new ConflictError(`run ${runId} already exists`);
    }
  }

  /** Removes the marker of a claim whose record was never written; a run that exists keeps it. */
  async releaseRun(runId: string): Promise<void> {
    if (await this.getRun(runId)) return;
    await fs.rm(this.markerPath(runId), { force: true });
  }

  /**
   * Claims older than `before` whose record was never written: ids a process
   * claimed and then died with (killed between {@link reserveRun} and
   * {@link createRun}). Reads `open/` only; writes nothing. The sweep of
   * leftovers (leftovers.ts) removes their parts and releases them.
   */
  async abandonedClaims(before: Date): Promise<string[]> {
    const out: string[] = [];
    for (const name of await jsonNames(this.openDir)) {
      if (name === INDEX_COMPLETE) continue;
      const runId = name.slice(0, -'.json'.length);
      const modified = await fs.stat(join(this.openDir, name)).then(
        (s) => s.mtimeMs,
        () => undefined,
      );
      if (modified === undefined || modified >= before.getTime()) continue;
      if (!(await this.getRun(runId))) out.push(runId);
    }
    return out;
  }

  /**
   * Every marker of the open-runs index (claims and open runs alike) with its
   * mtime, UTC (core/ports.ts RunClaims). Reads `open/` only; writes nothing.
   */
  async claims(): Promise<Map<string, Date>> {
    const out = new Map<string, Date>();
    for (const name of await jsonNames(this.openDir)) {
      if (name === INDEX_COMPLETE) continue;
      const stat = await fs.stat(join(this.openDir, name)).catch(() => undefined);
      if (stat) out.set(name.slice(0, -'.json'.length), stat.mtime);
    }
    return out;
  }

  /** Writes the marker (unless the run is loaded), then the record with an exclusive create; ConflictError when it exists. */
  async createRun(run: RunRecord): Promise<void> {
    if (run.stage !== 'loaded') await this.writeMarker(run.runId, false);
    await fs.mkdir(this.runsDir, { recursive: true });
    try {
      await fs.writeFile(this.runPath(run.runId), JSON.stringify(run, null, 2), { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new ConflictError(`run ${run.runId} already exists`, { cause: error });
      }
      throw error;
    }
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    return readJson<RunRecord>(this.runPath(runId));
  }

  /** Every run, or the `limit` most recent, oldest first. TypeError for a limit that is not a positive integer. */
  async listRuns(options: { limit?: number } = {}): Promise<RunRecord[]> {
    const { limit } = options;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
      throw new TypeError(`limit must be a positive integer: ${limit}`);
    let names = await jsonNames(this.runsDir);
    if (limit !== undefined) names = names.slice(-limit);
    const runs: RunRecord[] = [];
    for (const name of names) {
      const run = await readJson<RunRecord>(join(this.runsDir, name));
      if (run) runs.push(run);
    }
    return runs.sort(byRunId);
  }

  /** Runs not yet loaded, oldest first, read through `open/` (indexing the ledger first when the index is missing). */
  async openRuns(): Promise<RunRecord[]> {
    const names = await jsonNames(this.openDir);
    if (!names.includes(INDEX_COMPLETE)) return this.buildIndex(new Set(names));
    const open: RunRecord[] = [];
    const now = this.now().getTime();
    for (const name of names) {
      if (name === INDEX_COMPLETE) continue;
      const runId = name.slice(0, -'.json'.length);
      const record = await this.getRun(runId);
      if (record && record.stage !== 'loaded') {
        open.push(record);
        continue;
      }
      const marker = join(this.openDir, name);
      if (!record) {
        const modified = await fs.stat(marker).then(
          (s) => s.mtimeMs,
          () => undefined,
        );
        if (modified === undefined || now - modified <= this.claimTimeoutMs) continue; // a claim in progress
      }
      await fs.rm(marker, { force: true });
    }
    return open.sort(byRunId);
  }

  /** Indexes a ledger written before the index existed: a marker per run not loaded, then the completion file. */
  private async buildIndex(have: Set<string>): Promise<RunRecord[]> {
    const open = (await this.listRuns()).filter((r) => r.stage !== 'loaded');
    for (const run of open) if (!have.has(`${run.runId}.json`)) await this.writeMarker(run.runId, false);
    await fs.mkdir(this.openDir, { recursive: true });
    await writeAtomic(join(this.openDir, INDEX_COMPLETE), JSON.stringify({ since: this.now().toISOString() }));
    return open;
  }

  async runsAt(stage: RunStage): Promise<RunRecord[]> {
    return (await this.openRuns()).filter((r) => r.stage === stage && !r.failed);
  }

  /** Applies `change` and writes the record; a run now loaded then loses its index marker. NotFoundError when absent. */
  async updateRun(runId: string, change: (run: RunRecord) => RunRecord): Promise<RunRecord> {
    const current = await this.getRun(runId);
    if (!current) throw new NotFoundError(`no run ${runId} in the ledger`);
    const next = change(structuredClone(current));
    if (next.runId !== runId) throw new TypeError('a run update must not change the run id');
    if (current.stage === 'loaded' && next.stage !== 'loaded') await this.writeMarker(runId, false); // open again: marker first
    await writeAtomic(this.runPath(runId), JSON.stringify(next, null, 2));
    if (next.stage === 'loaded') await fs.rm(this.markerPath(runId), { force: true });
    return next;
  }

  async getWatermarks(): Promise<{ watermarks: Watermarks; version: string | null }> {
    const file = await readJson<WatermarkFile>(this.watermarkPath);
    return file ? { watermarks: file.watermarks, version: String(file.version) } : { watermarks: {}, version: null };
  }

  async putWatermarks(next: Watermarks, expectedVersion: string | null): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
    const { version } = await this.getWatermarks();
    if (version !== expectedVersion) {
      throw new ConflictError(`watermarks moved from version ${expectedVersion} to ${version} meanwhile`);
    }
    const body: WatermarkFile = { version: (version === null ? 0 : Number(version)) + 1, watermarks: next };
    await writeAtomic(this.watermarkPath, JSON.stringify(body, null, 2));
  }
}
