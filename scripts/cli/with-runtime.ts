/** Opens the local runtime from the environment for one CLI command and always closes it. */
import type { LocalRuntime } from '../../jobs/lib/runtimes/local/local-runtime';
import { describeHomeWriteError, openLocalRuntime, type RuntimeOptions } from '../../jobs/lib/runtimes/local/runtime';
import { readSettings } from '../../jobs/lib/runtimes/local/settings';

/**
 * Runs `fn` with a runtime built from `process.env`; closes the runtime even when `fn` throws.
 * `options.readOnly` for commands that only read (see RuntimeOptions).
 */
export async function withRuntime<T>(fn: (runtime: LocalRuntime) => Promise<T>, options: RuntimeOptions = {}): Promise<T> {
  const runtime = await openLocalRuntime(readSettings(), options);
  try {
    return await fn(runtime);
  } catch (error) {
    throw describeHomeWriteError(error, runtime.settings);
  } finally {
    await runtime.close();
  }
}
