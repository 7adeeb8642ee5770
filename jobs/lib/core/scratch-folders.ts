/**
 * Names of the scratch folders a process makes in the system temp folder
 * (the load's CSV staging: `lakehouse-load-<pid>-<random>`). The pid in the
 * name says whose folder it is, so the sweep of leftovers at the start of a
 * pass (jobs/lib/adapters/fs/leftovers.ts) removes only folders of processes
 * that are gone, never one a live process is using.
 */

/** Prefix of the load's scratch folders. */
export const LOAD_SCRATCH_PREFIX = 'lakehouse-load-';

/** The `mkdtemp` prefix of a load scratch folder of process `pid` (default this one): `lakehouse-load-<pid>-`. */
export function loadScratchPrefix(pid: number = process.pid): string {
  return `${LOAD_SCRATCH_PREFIX}${pid}-`;
}

/** The pid a load scratch folder name carries; undefined for any other name (including folders named before the pid was added). */
export function loadScratchPid(name: string): number | undefined {
  const m = /^lakehouse-load-(\d+)-[^-]+$/.exec(name);
  return m ? Number(m[1]) : undefined;
}
