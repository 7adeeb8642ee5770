/**
 * The run log made readable for `lakehouse logs`: the local log is JSON lines
 * (jobs/lib/adapters/powertools/file-logger.ts: `level`, `message`,
 * `timestamp` in ISO 8601 UTC, `service`, then attributes such as `step`,
 * `runId`, `table`, `error`).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** One parsed log line; `raw` is the text of a line that is not JSON. */
export interface LogLine {
  level: string;
  message: string;
  timestamp: string;
  step?: string;
  /** The attributes besides level, message, timestamp, service and step. */
  fields: Record<string, unknown>;
  /** The line as written. */
  text: string;
}

const HEADER = new Set(['level', 'message', 'timestamp', 'service', 'step']);

/** Parses one line of the log; a line that is not a JSON object is kept as a message of level `?`. */
export function parseLogLine(text: string): LogLine {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const o = parsed as Record<string, unknown>;
      const fields = Object.fromEntries(Object.entries(o).filter(([k]) => !HEADER.has(k)));
      return {
        level: String(o.level ?? '?').toUpperCase(),
        message: typeof o.message === 'string' ? o.message : JSON.stringify(o.message),
        timestamp: String(o.timestamp ?? ''),
        ...(typeof o.step === 'string' ? { step: o.step } : {}),
        fields,
        text,
      };
    }
  } catch {
    // not JSON: shown as it is
  }
  return { level: '?', message: text, timestamp: '', fields: {}, text };
}

/** Reads every line of `file` (JSON lines), streaming. Throws ENOENT when the file does not exist. */
export async function readLogLines(file: string): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  const input = createReadStream(file, 'utf8');
  const opened = new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', reject);
  });
  await opened;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) if (text.trim()) lines.push(parseLogLine(text));
  return lines;
}

/** Whether `line` concerns run `runId`: its `runId`, or the id named anywhere in it (a `runs` list, an error). */
export function mentionsRun(line: LogLine, runId: string): boolean {
  if (line.fields.runId === runId) return true;
  return new RegExp(`(^|[^0-9a-z_])${runId.replace(/[^0-9a-z_]/gi, '')}($|[^0-9a-z_])`).test(line.text);
}

/** The last run id a line of the log carries in `runId`, or undefined. */
export function lastRunId(lines: LogLine[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--)
    if (typeof lines[i].fields.runId === 'string') return lines[i].fields.runId as string;
  return undefined;
}

/** Whether the line is an error (ERROR or CRITICAL). */
export const isErrorLine = (line: LogLine) => line.level === 'ERROR' || line.level === 'CRITICAL';

const MAX_VALUE_CHARS = 160;

/** An attribute's value on one line: text as it is, an error as `Name: message`, anything else as compact JSON (cut at 160 characters). */
function showValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = /\s/.test(value) ? JSON.stringify(value) : value;
  else if (value && typeof value === 'object' && 'message' in value && ('stack' in value || 'name' in value)) {
    const e = value as { name?: unknown; message?: unknown };
    text = JSON.stringify([e.name, e.message].filter(Boolean).join(': '));
  } else text = JSON.stringify(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
}

/** One line for a person: `<time UTC>  <LEVEL>  <step>  <message>  key=value …`. */
export function formatLogLine(line: LogLine): string {
  if (line.level === '?') return line.text;
  const fields = Object.entries(line.fields).map(([k, v]) => `${k}=${showValue(v)}`);
  return [line.timestamp, line.level.padEnd(5), (line.step ?? '-').padEnd(9), line.message, ...fields].join('  ');
}
