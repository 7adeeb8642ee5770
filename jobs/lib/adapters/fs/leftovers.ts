/**
 * Leftovers of a killed local process, found and removed at the start of the
 * next pass (docs/architecture.md "Crash recovery"):
 *
 * - parts of runs the ledger never recorded: `<table>/run_id=<run>/` folders
 *   in the raw zone with no manifest and no ledger record, written (and
 *   claimed) before this process started, by the rule the deployed sweep
 *   applies too (core/unrecorded-runs.ts), and claims (`open/<run>.json`)
 *   with no record from before this process started, which are released;
 * - files of writes in progress (`<name>.tmp-<pid>-<n>`,
 *   jobs/lib/definition/object-keys.ts) of another process, from before this
 *   one started, in the zones and the ledger. Finding them means walking the
 *   zones, so that is done only when a pass of another process did not end
 *   (its pass marker, `passes/<pid>.json` in the ledger folder, is still
 *   there);
 * - load scratch folders (`lakehouse-load-<pid>-…`, core/scratch-folders.ts)
 *   in the system temp folder whose process is gone.
 *
 * "Before this process started" is safe because one home is used by one
 * process at a time (the DuckDB catalog file is locked by the process that
 * opens it), and a claim of this process is made after it started.
 */
import { type Dirent, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScratchPid } from '../../core/scratch-folders';
import { removeUnrecordedRuns } from '../../core/unrecorded-runs';
import { isInProgressWrite } from '../../definition/object-keys';
import { FsRawRunFolders } from './fs-raw-run-folders';
import type { FileRunLedger } from './file-run-ledger';

/** What {@link removeLeftovers} needs. */
export interface LeftoverPlaces {
  /** Folder of the raw zone. */
  raw: string;
  /** Folders walked for temporary files after a crash (the zones). */
  zones: string[];
  ledger: FileRunLedger;
  /** When this process started (the default: from `process.uptime()`). */
  startedAt?: Date;
  /** The system temp folder (default `os.tmpdir()`). */
  tmp?: string;
}

/** What one sweep removed. */
export interface LeftoversRemoved {
  /** Runs whose parts were removed or whose claim was released. */
  runs: string[];
  /** Temporary files removed (paths). */
  tempFiles: string[];
  /** Load scratch folders removed (paths). */
  scratch: string[];
  /** Pids of the processes whose pass did not end. */
  crashed: number[];
}

const TEMP_PID = /\.tmp-(\d+)-\d+$/;

/** When this process started, from its uptime. */
export const processStartedAt = (): Date => new Date(Date.now() - process.uptime() * 1000);

async function entries(dir: string): Promise<Dirent[]> {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** True when a process with that pid exists (EPERM: it exists, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const modifiedBefore = async (path: string, at: Date) =>
  fs.stat(path).then(
    (s) => s.mtimeMs < at.getTime(),
    () => false,
  );

/** The pass markers' folder of a ledger. */
const passesDir = (ledger: FileRunLedger) => join(ledger.root, 'passes');

/**
 * Removes the leftovers of killed processes (module comment) and marks a pass
 * of this process as started (`passes/<pid>.json`; {@link endPass} removes it).
 * Call at the start of each pass, before any step runs.
 *
 * @returns what was removed
 * @throws the file system's errors (other than a file already gone)
 */
export async function removeLeftovers(places: LeftoverPlaces): Promise<LeftoversRemoved> {
  const startedAt = places.startedAt ?? processStartedAt();
  const removed: LeftoversRemoved = { runs: [], tempFiles: [], scratch: [], crashed: [] };

  // Passes that did not end: another process was killed during one.
  const passes = passesDir(places.ledger);
  for (const entry of await entries(passes)) {
    const pid = Number(entry.name.replace(/\.json$/, ''));
    if (pid === process.pid || !(await modifiedBefore(join(passes, entry.name), startedAt))) continue;
    removed.crashed.push(pid);
  }

  // Parts of unrecorded runs (the rule both runtimes share: core/unrecorded-runs.ts), then claims never recorded.
  const parts = await removeUnrecordedRuns(
    { writtenBefore: startedAt },
    { folders: new FsRawRunFolders(places.raw), ledger: places.ledger },
  );
  const gone = new Set(parts.map((p) => p.runId));
  for (const runId of await places.ledger.abandonedClaims(startedAt)) gone.add(runId);
  for (const runId of gone) await places.ledger.releaseRun(runId);
  removed.runs = [...gone].sort();

  // Temporary files of other processes, after a crash only (walking the zones costs a listing of every folder).
  if (removed.crashed.length) {
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await entries(dir)) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (isInProgressWrite(entry.name)) {
          const pid = Number(TEMP_PID.exec(entry.name)?.[1]);
          if (pid === process.pid || !(await modifiedBefore(path, startedAt))) continue;
          await fs.rm(path, { force: true });
          removed.tempFiles.push(path);
        }
      }
    };
    for (const root of [...places.zones, places.ledger.root]) await walk(root);
    for (const pid of removed.crashed) await fs.rm(join(passes, `${pid}.json`), { force: true });
  }

  // Load scratch folders of processes that are gone.
  const tmp = places.tmp ?? tmpdir();
  for (const entry of await entries(tmp)) {
    const pid = loadScratchPid(entry.name);
    if (pid === undefined || pid === process.pid || !entry.isDirectory() || alive(pid)) continue;
    await fs.rm(join(tmp, entry.name), { recursive: true, force: true });
    removed.scratch.push(join(tmp, entry.name));
  }

  await fs.mkdir(passes, { recursive: true });
  await fs.writeFile(join(passes, `${process.pid}.json`), JSON.stringify({ pid: process.pid, at: new Date().toISOString() }));
  return removed;
}

/** Marks this process's pass as ended (removes its marker); call when a pass ends, however it ends, short of a kill. */
export async function endPass(ledger: FileRunLedger): Promise<void> {
  await fs.rm(join(passesDir(ledger), `${process.pid}.json`), { force: true });
}
