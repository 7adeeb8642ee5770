/** Opens the local runtime from the environment for one CLI command and always closes it. */
import type { LocalRuntime } from '../../jobs/lib/runtimes/local/local-runtime';
import { openLocalRuntime } from '../../jobs/lib/runtimes/local/runtime';
import { readSettings } from '../../jobs/lib/runtimes/local/settings';

/** Runs `fn` with a runtime built from `process.env`; closes the runtime even when `fn` throws. */
export async function withRuntime<T>(fn: (runtime: LocalRuntime) => Promise<T>): Promise<T> {
  const runtime = await openLocalRuntime(readSettings());
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}
