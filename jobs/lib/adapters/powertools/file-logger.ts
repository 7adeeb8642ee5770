/**
 * The Logger port in the local runtime: JSON lines appended to the run log
 * file, which the local scan-logs step reads, so the terminal stays free for
 * the CLI's own output.
 *
 * The lines have the shape of Powertools' on Lambda (lambda-logger.ts), so
 * scan-logs reads both alike: `level`, `message`, `timestamp` (ISO 8601,
 * UTC), `service`, then the attributes. Powertools Logger itself is not used
 * here because it has no supported way to write anywhere but stdout/stderr:
 * its `console` is private and set from `process.stdout` (its docs offer a
 * custom log *formatter*, which shapes a line but does not choose where it
 * goes; see also powertools-lambda-typescript issue #4901, "Allow me to set
 * the Logger `console` property").
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogAttributes, Logger } from '../../core/logger';

/** Levels, lowest first, as Powertools names them (LOG_LEVEL takes any, case-insensitive; SILENT writes nothing). */
const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
type Level = (typeof LEVELS)[number];

/** The threshold named by `value`, INFO when it names none. */
function levelFrom(value: string | undefined): number {
  const at = LEVELS.indexOf((value ?? '').toUpperCase() as Level);
  return at >= 0 ? at : LEVELS.indexOf('INFO');
}

/** Keys of every line that attributes cannot override. */
const RESERVED = new Set(['level', 'message', 'timestamp', 'service']);

/**
 * A JSON.stringify replacer as Powertools': Errors as `{ name, message, stack, cause }`
 * (own enumerable fields too), bigints as strings, an object met a second time dropped
 * (so a cycle cannot throw).
 */
function replacer(): (key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>();
  return (_key, value) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) {
      const { name, message, stack, cause, ...rest } = value as Error & Record<string, unknown>;
      value = { name, message, stack, ...(cause !== undefined ? { cause } : {}), ...rest };
    }
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return undefined;
      seen.add(value);
    }
    return value;
  };
}

/** One log line (no newline) for `service`. */
export function formatLine(level: Level, service: string, message: string, attributes: LogAttributes, now = new Date()): string {
  const line: Record<string, unknown> = { level, message, timestamp: now.toISOString(), service };
  for (const [key, value] of Object.entries(attributes)) if (!RESERVED.has(key)) line[key] = value;
  return JSON.stringify(line, replacer());
}

/**
 * A logger for `serviceName` that appends JSON lines to `file` (created with
 * its folder). Each line is written synchronously, so once a job returns its
 * lines are in the file (the local scan-logs step reads them right after a
 * pass). Level from LOG_LEVEL, default INFO. Returns the logger and a
 * `close()` that closes the file; lines logged after it are dropped.
 */
export function fileLogger(serviceName: string, file: string): { logger: Logger; close: () => Promise<void> } {
  mkdirSync(dirname(file), { recursive: true });
  let fd: number | undefined = openSync(file, 'a');
  const threshold = levelFrom(process.env.LOG_LEVEL);
  const write = (level: Level, message: string, attributes: LogAttributes = {}) => {
    if (fd === undefined || LEVELS.indexOf(level) < threshold) return;
    writeSync(fd, `${formatLine(level, serviceName, message, attributes)}\n`);
  };
  const logger: Logger = {
    debug: (message, attributes) => write('DEBUG', message, attributes),
    info: (message, attributes) => write('INFO', message, attributes),
    warn: (message, attributes) => write('WARN', message, attributes),
    error: (message, attributes) => write('ERROR', message, attributes),
  };
  const close = async () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  return { logger, close };
}
