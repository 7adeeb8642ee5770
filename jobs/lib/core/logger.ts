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

/**
 * Attributes that mark an error-level line as a WARNING alert: something a
 * person should see that stopped nothing (a data-quality test of severity
 * `warn` failed and the run loaded; a source went stale at warn level).
 * The line stays at level ERROR, so it reaches scan-logs on both runtimes
 * (the AWS log subscription forwards ERROR and CRITICAL lines only), and
 * scan-logs counts it as a warning, not an error, in the alert's subject
 * and body (`lakehouse: 1 warning in transform`).
 */
export const WARNING_ALERT = { alert: 'warning' } as const;
