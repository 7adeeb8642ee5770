/**
 * The `lakehouse` CLI (commander). Each command lives in `commands/<name>.ts`.
 * Returns the process exit code instead of exiting, so tests can call it.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerCdc } from './commands/cdc';
import { registerCrawl } from './commands/crawl';
import { registerLifecycle } from './commands/lifecycle';
import { registerLogs } from './commands/logs';
import { environmentHelp } from './environment';
import { EXIT } from './exit-codes';
import { registerQuery } from './commands/query';
import { registerReload } from './commands/reload';
import { registerReconcile } from './commands/reconcile';
import { registerRetry } from './commands/retry';
import { registerRun } from './commands/run';
import { registerSeed } from './commands/seed';
import { registerStatus } from './commands/status';
import { registerTest } from './commands/test';
import { registerWatch } from './commands/watch';

/** The version in the package's package.json. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/** Parses `argv` (as process.argv: node, script, args…) and runs the command; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command()
    .name('lakehouse')
    .description('Keep a star-schema warehouse in step with a PostgreSQL OLTP source through a lakehouse.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .addHelpText('after', environmentHelp())
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
  registerLogs(program, setCode);
  registerReload(program, setCode);
  registerCrawl(program, setCode);
  registerReconcile(program, setCode);
  registerCdc(program, setCode);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    // Help and --version exit 0; commander's usage errors (exit 1 by its default) exit 2, apart from a failed command.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
  return code;
}
