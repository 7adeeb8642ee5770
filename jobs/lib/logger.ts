/**
 * Structured JSON logging (Powertools Logger) for jobs in both runtimes.
 * On Lambda it writes to stdout (CloudWatch). Locally it writes JSON lines to
 * the run log file, which the local scan-logs step reads, so the terminal stays
 * free for the CLI's own output.
 */
import { Console } from 'node:console';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';

export type { Logger };

/** A logger for `serviceName` writing to stdout (Lambda). Level from POWERTOOLS_LOG_LEVEL / LOG_LEVEL, default INFO. */
export function lambdaLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

/**
 * A logger that appends JSON lines to `file` (created with its folder).
 * Returns the logger and a `close()` that flushes the file.
 */
export function fileLogger(serviceName: string, file: string): { logger: Logger; close: () => Promise<void> } {
  mkdirSync(dirname(file), { recursive: true });
  const stream = createWriteStream(file, { flags: 'a' });
  const logger = new Logger({ serviceName, logLevel: (process.env.LOG_LEVEL ?? 'INFO') as 'INFO' });
  // Powertools writes through a private Console; point it at the file instead of stdout.
  (logger as unknown as { console: Console }).console = new Console({ stdout: stream, stderr: stream });
  const close = () => new Promise<void>((resolve) => stream.end(resolve));
  return { logger, close };
}
