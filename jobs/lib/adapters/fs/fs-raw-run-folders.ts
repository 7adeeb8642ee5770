/**
 * RawRunFolders over the local raw zone folder (core/ports.ts): the
 * `<table>/run_id=<run>/` folders of every table folder (names starting with
 * `_` and `landing` are not tables), dated by the folder's mtime, which
 * changes whenever a part is added or renamed into it.
 */
import { type Dirent, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { RawRunFolder, RawRunFolders } from '../../core/ports';
import { keys, LANDING_PREFIX, MANIFEST_PREFIX } from '../../definition/object-keys';

const PARTITION = /^run_id=(.+)$/;

async function entries(dir: string): Promise<Dirent[]> {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The raw zone's run folders under the folder `root`. */
export class FsRawRunFolders implements RawRunFolders {
  /** @param root the raw zone's folder */
  constructor(private readonly root: string) {}

  /** Every `<table>/run_id=<run>/` folder (run id at or after `since` when given), in key order. Throws file system errors other than a missing folder. */
  async list(since?: string): Promise<RawRunFolder[]> {
    const out: RawRunFolder[] = [];
    for (const table of await entries(this.root)) {
      if (!table.isDirectory() || table.name.startsWith('_') || `${table.name}/` === LANDING_PREFIX) continue;
      for (const part of await entries(join(this.root, table.name))) {
        const runId = part.isDirectory() ? PARTITION.exec(part.name)?.[1] : undefined;
        if (!runId || (since !== undefined && runId < since)) continue;
        const stat = await fs.stat(join(this.root, table.name, part.name)).catch(() => undefined);
        if (!stat) continue; // removed meanwhile
        out.push({ table: table.name, runId, folder: keys.runFolder(table.name, runId), modified: stat.mtime });
      }
    }
    return out.sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0));
  }

  /** Run ids with a `_manifests/<run>.json` file (at or after `since` when given). */
  async manifests(since?: string): Promise<Set<string>> {
    const ids = (await entries(join(this.root, MANIFEST_PREFIX)))
      .filter((e) => e.isFile() && e.name.endsWith('.json'))
      .map((e) => e.name.slice(0, -'.json'.length));
    return new Set(since === undefined ? ids : ids.filter((id) => id >= since));
  }

  /** Removes the folder and everything in it; returns how many files it held. */
  async remove(folder: RawRunFolder): Promise<number> {
    const path = join(this.root, folder.table, `run_id=${folder.runId}`);
    const files = (await fs.readdir(path, { recursive: true, withFileTypes: true }).catch(() => [])).filter((e) => e.isFile());
    await fs.rm(path, { recursive: true, force: true });
    return files.length;
  }
}
