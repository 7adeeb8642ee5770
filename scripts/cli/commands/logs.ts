/** `lakehouse logs [--run <id>] [--errors]`: a run's lines of the local log, one readable line each. */
import type { Command } from 'commander';
import { homePaths, readSettings } from '../../../jobs/lib/runtimes/local/settings';
import { FileRunLedger } from '../../../jobs/lib/adapters/fs/file-run-ledger';
import { EXIT } from '../exit-codes';
import { formatLogLine, isErrorLine, lastRunId, mentionsRun, readLogLines } from '../log-lines';

export function registerLogs(program: Command, setCode: (code: number) => void): void {
  program
    .command('logs')
    .description('show the log lines of a run (default: the latest run): time (UTC), level, step, message, fields')
    .option('--run <id>', 'the run whose lines to show (ids as in `lakehouse status`)')
    .option('--errors', 'only error lines (ERROR, CRITICAL)')
    .action(async (options: { run?: string; errors?: boolean }) => {
      // Reads the log file only: no database is opened, so it works while another command runs.
      const paths = homePaths(readSettings().home);
      const file = paths.logFile;
      let lines: Awaited<ReturnType<typeof readLogLines>>;
      try {
        lines = await readLogLines(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        console.error(`no log yet: ${file} does not exist (nothing has run in this LAKEHOUSE_HOME)`);
        setCode(EXIT.failed);
        return;
      }
      // Default: the latest run in the ledger (an extract that found no change claims an id it then
      // discards, so the last id in the log may name no run), else the last one the log names.
      const latest = (await new FileRunLedger(paths.ledger).listRuns({ limit: 1 }))[0]?.runId;
      const runId = options.run ?? latest ?? lastRunId(lines);
      if (!runId) {
        console.error(`no run in the log yet (${file})`);
        setCode(EXIT.failed);
        return;
      }
      const ofRun = lines.filter((line) => mentionsRun(line, runId));
      if (!ofRun.length) {
        console.error(`unknown run ${runId}: no line of ${file} names it (\`lakehouse status\` lists the runs)`);
        setCode(EXIT.failed);
        return;
      }
      // Piped into `head` or `less` that quits: stop quietly instead of crashing on EPIPE.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EPIPE') process.exit(EXIT.ok);
        throw error;
      });
      const shown = options.errors ? ofRun.filter(isErrorLine) : ofRun;
      console.log(
        `run ${runId}: ${shown.length}${options.errors ? ' error' : ''} line${shown.length === 1 ? '' : 's'} (${file})`,
      );
      for (const line of shown) console.log(formatLogLine(line));
      setCode(EXIT.ok);
    });
}
