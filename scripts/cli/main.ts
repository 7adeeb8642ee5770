/**
 * The `lakehouse` CLI (commander). Each command lives in `commands/<name>.ts`.
 * Returns the process exit code instead of exiting, so tests can call it.
 */
import { Command, CommanderError } from 'commander';
import { registerLifecycle } from './commands/lifecycle';
import { registerQuery } from './commands/query';
import { registerRetry } from './commands/retry';
import { registerRun } from './commands/run';
import { registerSeed } from './commands/seed';
import { registerStatus } from './commands/status';
import { registerTest } from './commands/test';
import { registerWatch } from './commands/watch';

/** Parses `argv` (as process.argv: node, script, args…) and runs the command; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command()
    .name('lakehouse')
    .description('Keep a star-schema warehouse in step with a PostgreSQL OLTP source through a lakehouse.')
    .exitOverride()
    .showHelpAfterError();
  const setCode = (c: number) => {
    code = c;
  };
  registerSeed(program, setCode);
  registerRun(program, setCode);
  registerRetry(program, setCode);
  registerStatus(program, setCode);
  registerQuery(program, setCode);
  registerTest(program, setCode);
  registerWatch(program, setCode);
  registerLifecycle(program, setCode);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  return code;
}
