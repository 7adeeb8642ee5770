/**
 * The Logger port: what jobs and adapters log through. Structured: a short
 * message plus attributes (counts, ids, decisions; never payloads or
 * secrets). Lines are JSON objects with at least `level`, `message`,
 * `timestamp` (ISO 8601, UTC) and `service`.
 *
 * Implementations: `jobs/lib/adapters/powertools/` (Powertools Logger on
 * Lambda, to stdout; lines of the same shape into a JSON-lines file locally).
 */

/** Attributes of one log line: JSON-serialisable values. */
export type LogAttributes = Record<string, unknown>;

/** A structured logger. Each call writes one line. */
export interface Logger {
  debug(message: string, attributes?: LogAttributes): void;
  info(message: string, attributes?: LogAttributes): void;
  warn(message: string, attributes?: LogAttributes): void;
  error(message: string, attributes?: LogAttributes): void;
}
