/**
 * The ingest job's settings, read from the environment the same way by the
 * Lambda handler and the local runtime (the README lists the variables).
 */
import { TerminalError } from '../lib/core/errors';
import type { LandingEncoding } from './landed-file';

/** What ingest does with a landed file that has bad lines. */
export type LandingOnError = 'continue' | 'quarantine_file';

export interface IngestSettings {
  /**
   * `LAKEHOUSE_LANDING_ON_ERROR`: `continue` (default; bad lines go to the
   * rejects, the good rows become the run) or `quarantine_file` (any bad line
   * quarantines the whole file, as COPY's `ON_ERROR = ABORT_STATEMENT`).
   */
  onError: LandingOnError;
  /** `LAKEHOUSE_LANDING_ENCODING`: `utf-8` (default, strict) or `latin1` (windows-1252). */
  encoding: LandingEncoding;
}

const ON_ERROR: readonly LandingOnError[] = ['continue', 'quarantine_file'];
const ENCODINGS: Record<string, LandingEncoding> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  latin1: 'latin1',
  'iso-8859-1': 'latin1',
  'windows-1252': 'latin1',
  cp1252: 'latin1',
};

/**
 * Reads the ingest settings from `env`.
 *
 * @throws TerminalError naming the variable when a value is not one it takes
 */
export function readIngestSettings(env: NodeJS.ProcessEnv = process.env): IngestSettings {
  const onError = (env.LAKEHOUSE_LANDING_ON_ERROR ?? 'continue').trim().toLowerCase();
  if (!ON_ERROR.includes(onError as LandingOnError)) {
    throw new TerminalError(`LAKEHOUSE_LANDING_ON_ERROR must be continue or quarantine_file, got ${JSON.stringify(onError)}`);
  }
  const encodingName = (env.LAKEHOUSE_LANDING_ENCODING ?? 'utf-8').trim().toLowerCase();
  const encoding = ENCODINGS[encodingName];
  if (!encoding) {
    throw new TerminalError(`LAKEHOUSE_LANDING_ENCODING must be utf-8 or latin1, got ${JSON.stringify(encodingName)}`);
  }
  return { onError: onError as LandingOnError, encoding };
}
