/**
 * Structured JSON logging (Powertools Logger) for jobs in both runtimes.
 * On Lambda it writes to stdout (CloudWatch). Locally it writes JSON lines to
 * the run log file, which the local scan-logs step reads, so the terminal stays
 * free for the CLI's own output.
 */
import { Console } from 'node:console';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Writable } from 'node:stream';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, Logger } from '../../core/logger';

/** The Logger port over a Powertools Logger: one JSON line per call, attributes merged into it. */
export class PowertoolsLoggerAdapter implements Logger {
  constructor(readonly powertools: PowertoolsLogger) {}
  debug(message: string, attributes: LogAttributes = {}): void {
    this.powertools.debug(message, attributes);
  }
  info(message: string, attributes: LogAttributes = {}): void {
    this.powertools.info(message, attributes);
  }
  warn(message: string, attributes: LogAttributes = {}): void {
    this.powertools.warn(message, attributes);
  }
  error(message: string, attributes: LogAttributes = {}): void {
    this.powertools.error(message, attributes);
  }
}

/** A logger for `serviceName` writing to stdout (Lambda). Level from POWERTOOLS_LOG_LEVEL / LOG_LEVEL, default INFO. */
export function lambdaLogger(serviceName: string): PowertoolsLoggerAdapter {
  return new PowertoolsLoggerAdapter(new PowertoolsLogger({ serviceName }));
}

/**
 * A logger that appends JSON lines to `file` (created with its folder).
 * Lines are written synchronously, so once a job returns its lines are in the
 * file (the local scan-logs step reads them right after a pass).
 * Returns the logger and a `close()` that closes the file.
 */
export function fileLogger(serviceName: string, file: string): { logger: Logger; close: () => Promise<void> } {
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'a');
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      writeSync(fd, chunk);
      callback();
    },
  });
  const logger = new PowertoolsLogger({ serviceName, logLevel: (process.env.LOG_LEVEL ?? 'INFO') as 'INFO' });
  // Powertools writes through a private Console; point it at the file instead of stdout.
  (logger as unknown as { console: Console }).console = new Console({ stdout: stream, stderr: stream });
  let closed = false;
  const close = async () => {
    if (!closed) closeSync(fd);
    closed = true;
  };
  return { logger: new PowertoolsLoggerAdapter(logger), close };
}
