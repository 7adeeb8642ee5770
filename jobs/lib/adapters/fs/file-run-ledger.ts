/**
 * RunLedger over a local folder: one JSON file per run (`runs/<run>.json`) and
 * one for the watermarks (`watermarks.json`). Writes are atomic (temp file +
 * rename); run creation uses an exclusive create and watermark updates check
 * a version counter, mirroring the S3 conditional writes of the AWS ledger.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, NotFoundError } from '../../core/errors';
import type { RunStage } from '../../definition/run-stages';
import type { RunLedger, RunRecord, Watermarks } from '../../core/ports';
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

export class FileRunLedger implements RunLedger {
  private readonly runsDir: string;
  private readonly watermarkPath: string;

  /** @param root absolute folder for the ledger (created on first write) */
  constructor(readonly root: string) {
    this.runsDir = join(root, 'runs');
    this.watermarkPath = join(root, 'watermarks.json');
  }

  private runPath(runId: string): string {
    return join(this.runsDir, `${assertRunId(runId)}.json`);
  }

  async createRun(run: RunRecord): Promise<void> {
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

  async listRuns(): Promise<RunRecord[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.runsDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const runs: RunRecord[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const run = await readJson<RunRecord>(join(this.runsDir, name));
      if (run) runs.push(run);
    }
    return runs.sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
  }

  async runsAt(stage: RunStage): Promise<RunRecord[]> {
    return (await this.listRuns()).filter((r) => r.stage === stage && !r.failed);
  }

  async updateRun(runId: string, change: (run: RunRecord) => RunRecord): Promise<RunRecord> {
    const current = await this.getRun(runId);
    if (!current) throw new NotFoundError(`no run ${runId} in the ledger`);
    const next = change(structuredClone(current));
    if (next.runId !== runId) throw new TypeError('a run update must not change the run id');
    await writeAtomic(this.runPath(runId), JSON.stringify(next, null, 2));
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
