/**
 * Test support: runs the package bin (`scripts/bin/lakehouse.js`) as a user
 * would, on an embedded home, and returns its exit code and output.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The package bin. */
export const LAKEHOUSE_BIN = resolve(__dirname, '../../scripts/bin/lakehouse.js');

/**
 * Runs `lakehouse <args>` with `LAKEHOUSE_HOME=home` and the embedded source and
 * warehouse (their URL variables emptied), plus `env`. Never throws for a
 * non-zero exit: a kill by `timeoutMs` shows as code 143 (SIGTERM).
 */
export async function lakehouseBin(
  args: string[],
  home: string,
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string; signal?: string | null }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [LAKEHOUSE_BIN, ...args], {
      env: { ...process.env, LAKEHOUSE_HOME: home, LAKEHOUSE_SOURCE_URL: '', LAKEHOUSE_WAREHOUSE_URL: '', ...options.env },
      timeout: options.timeoutMs ?? 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string; signal?: string | null };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, signal: e.signal };
  }
}
