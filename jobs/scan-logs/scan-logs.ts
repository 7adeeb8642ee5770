/**
 * The scan-logs job (both runtimes): finds the error lines in a batch of job
 * log records, groups them by job and run, and sends ONE alert for the batch
 * that a person can act on (docs/architecture.md "Alerts", "Events" "any job error log").
 *
 * On AWS the records come from a CloudWatch Logs subscription (see
 * cloudwatch-payload.ts); locally from the run's log file.
 *
 * An error line is either a structured Powertools line (`{"level":"ERROR", …}`
 * or CRITICAL; the job is its `service`, the run its `runId`), or a plain line
 * containing the word `ERROR` or Lambda's `Task timed out` (the job is taken
 * from the log group `/aws/lambda/<prefix>-<step>` or the log file name, the
 * run from the first run id in the text). A structured error line marked
 * `"alert":"warning"` (WARNING_ALERT in core/logger.ts: a failed data-quality
 * test of severity `warn`, a source going stale at warn level) still alerts,
 * but is counted and named as a warning, not an error.
 */
import { basename } from 'node:path';
import { WARNING_ALERT, type Logger } from '../lib/core/logger';
import { STEPS } from '../lib/definition/run-stages';
import type { Notifier } from '../lib/core/ports';

/** One log line to scan. */
export interface LogRecord {
  /** When it was logged, ms since the epoch (UTC). */
  timestamp: number;
  /** The line: a Powertools JSON line or plain text. */
  message: string;
  /** CloudWatch log group (AWS). */
  logGroup?: string;
  /** CloudWatch log stream (AWS). */
  logStream?: string;
  /** The local log file the line came from (local runtime). */
  logFile?: string;
}

/** What to scan: a batch of log records and how to present it. */
export interface ScanLogsInput {
  records: LogRecord[];
  /** AWS region of the log groups, for console links. */
  region?: string;
  /** Error lines shown per job and run. Default 5. */
  maxLinesPerGroup?: number;
}

/** Where the alert goes (and an optional logger for the job's own counts). */
export interface ScanLogsDeps {
  notifier: Notifier;
  logger?: Logger;
}

/** The alert lines (errors and warnings) of one job and run. */
export interface ErrorGroup {
  job: string;
  /** The run the lines concern, when they name one. */
  runId?: string;
  /** Error lines. */
  count: number;
  /** Warning lines (error-level lines marked WARNING_ALERT); absent or 0 when none. */
  warnings?: number;
  /** The first lines of either kind (`<ISO time>  <text>`), in log order, at most `maxLinesPerGroup`. */
  lines: string[];
  /** Where to read the full log: a CloudWatch console URL, or the local log file path. */
  link?: string;
}

/** What the scan found and whether it alerted. */
export interface ScanLogsResult {
  errors: number;
  /** Warning lines (error-level lines marked WARNING_ALERT). */
  warnings: number;
  groups: ErrorGroup[];
  /** Whether an alert was sent (only when there were errors or warnings). */
  notified: boolean;
  subject?: string;
}

const RUN_ID_IN_TEXT = /\b\d{8}t\d{6}z(?:_\d+)?\b/;
const MAX_LINE_CHARS = 500;

/**
 * The CloudWatch console URL of a log stream (or of the group when the stream
 * is unknown). The console's fragment encodes each path part twice and writes
 * `%` as `$` (`/aws/lambda/x` → `$252Faws$252Flambda$252Fx`).
 */
export function cloudWatchConsoleUrl(region: string, logGroup: string, logStream?: string): string {
  const enc = (s: string) => encodeURIComponent(encodeURIComponent(s)).replace(/%/g, '$');
  const base = `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${enc(logGroup)}`;
  return logStream ? `${base}/log-events/${enc(logStream)}` : base;
}

/** The pipeline step a log group or file belongs to (`/aws/lambda/lakehouse-transform` → `transform`), else its last name. */
export function jobFromSource(logGroup?: string, logFile?: string): string {
  const name = logGroup ? (logGroup.split('/').pop() ?? logGroup) : logFile ? basename(logFile).replace(/\.[^.]*$/, '') : '';
  if (!name) return 'unknown';
  const step = [...STEPS]
    .sort((a, b) => b.length - a.length)
    .find((s) => name === s || name.endsWith(`-${s}`) || name.endsWith(`_${s}`));
  return step ?? name;
}

interface Found {
  job: string;
  runId?: string;
  text: string;
  /** A line marked WARNING_ALERT: alert, but as a warning. */
  warning: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** What a structured error line says: message plus the error's text. */
function structuredText(line: Record<string, unknown>): string {
  const message = typeof line.message === 'string' ? line.message : JSON.stringify(line.message);
  const error = line.error as unknown;
  let detail: string | undefined;
  if (typeof error === 'string') detail = error;
  else if (error && typeof error === 'object') {
    const e = error as Record<string, unknown>;
    detail = [str(e.name), str(e.message)].filter(Boolean).join(': ') || undefined;
  }
  const errorMessage =
    line.message && typeof line.message === 'object' ? str((line.message as Record<string, unknown>).errorMessage) : undefined;
  const parts = [errorMessage ?? message, detail && detail !== message ? detail : undefined].filter(Boolean);
  const table = str(line.table);
  return parts.join(': ') + (table ? ` (table ${table})` : '');
}

/** Classifies one record: undefined when it is not an error line. */
export function findError(record: LogRecord): Found | undefined {
  const text = record.message.trim();
  const fallbackJob = jobFromSource(record.logGroup, record.logFile);
  if (text.startsWith('{')) {
    let line: Record<string, unknown> | undefined;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = undefined;
    }
    if (line && typeof line === 'object') {
      const level = String(line.level ?? '').toUpperCase();
      if (level !== 'ERROR' && level !== 'CRITICAL') return undefined;
      // Our jobs log their `step`; fall back to the Powertools service name, then the log source.
      const service = str(line.service);
      const job = str(line.step) ?? (service && service !== 'service_undefined' ? service : fallbackJob);
      const runId = str(line.runId) ?? str(line.run_id) ?? RUN_ID_IN_TEXT.exec(text)?.[0];
      return { job, runId, text: structuredText(line), warning: line.alert === WARNING_ALERT.alert };
    }
  }
  if (!/\bERROR\b/.test(text) && !/Task timed out/.test(text)) return undefined;
  return { job: fallbackJob, runId: RUN_ID_IN_TEXT.exec(text)?.[0], text: plainText(text), warning: false };
}

/** Lambda's runtime line prefix: `<ISO time>\t<request id>\t<LEVEL>\t`. */
const RUNTIME_PREFIX = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z\t[0-9a-f-]{36}\t[A-Z]+\t/;

/**
 * A plain line made readable: without Lambda's time / request-id prefix, and
 * an `Invoke Error {json}` line shown as `Invoke Error: <errorType>: <errorMessage>`.
 */
function plainText(text: string): string {
  const rest = text.replace(RUNTIME_PREFIX, '');
  const brace = rest.indexOf('{');
  if (brace >= 0) {
    try {
      const body = JSON.parse(rest.slice(brace)) as Record<string, unknown>;
      const kind = str(body.errorType);
      const message = str(body.errorMessage);
      if (kind || message) return `${rest.slice(0, brace).trim()}: ${[kind, message].filter(Boolean).join(': ')}`;
    } catch {
      // not JSON after all: keep the line as it is
    }
  }
  return rest.replace(/\s+/g, ' ').trim();
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `2 errors`, `1 warning`, `2 errors and 1 warning` (of `unit`: `2 error lines and 1 warning line`). */
function tally(errors: number, warnings: number, unit = ''): string {
  const parts = [
    ...(errors || !warnings ? [plural(errors, `error${unit}`)] : []),
    ...(warnings ? [plural(warnings, `warning${unit}`)] : []),
  ];
  return parts.join(' and ');
}

const sum = (groups: ErrorGroup[], of: (g: ErrorGroup) => number) => groups.reduce((n, g) => n + of(g), 0);
const warningsOf = (g: ErrorGroup) => g.warnings ?? 0;

/**
 * The alert subject, counting errors and warnings apart, e.g.
 * `lakehouse: 3 errors in transform (run 20250225t132609z)`,
 * `lakehouse: 1 warning in transform (run 20250225t132609z)`,
 * `lakehouse: 2 errors and 1 warning in 2 jobs (ingest, transform), 2 runs`.
 */
export function alertSubject(groups: ErrorGroup[]): string {
  const counted = tally(
    sum(groups, (g) => g.count),
    sum(groups, warningsOf),
  );
  if (groups.length === 1) {
    const g = groups[0];
    return `lakehouse: ${counted} in ${g.job}${g.runId ? ` (run ${g.runId})` : ''}`;
  }
  const jobs = [...new Set(groups.map((g) => g.job))];
  const runs = new Set(groups.map((g) => g.runId).filter(Boolean));
  const where = jobs.length === 1 ? jobs[0] : `${jobs.length} jobs (${jobs.join(', ')})`;
  return `lakehouse: ${counted} in ${where}${runs.size ? `, ${plural(runs.size, 'run')}` : ''}`;
}

/**
 * The alert body: per job and run, the counts (errors, warnings), the log
 * link and the first lines, then what to do (for errors, for warnings).
 */
export function alertBody(groups: ErrorGroup[]): string {
  const errors = sum(groups, (g) => g.count);
  const warnings = sum(groups, warningsOf);
  const out = [`The lakehouse pipeline logged ${tally(errors, warnings, ' line')}.`, ''];
  for (const g of groups) {
    const w = warningsOf(g);
    const total = g.count + w;
    const kind = w === 0 ? 'error' : g.count === 0 ? 'warning' : 'error and warning';
    out.push(`Job: ${g.job}`);
    out.push(`Run: ${g.runId ?? '(no run id in the log lines)'}`);
    if (g.count || !w) out.push(`Errors: ${g.count}`);
    if (w) out.push(`Warnings: ${w}`);
    if (g.link) out.push(`Full log: ${g.link}`);
    out.push(
      total > g.lines.length ? `First ${g.lines.length} ${kind} lines:` : `${kind[0].toUpperCase()}${kind.slice(1)} lines:`,
    );
    for (const line of g.lines) out.push(`  ${line}`);
    if (total > g.lines.length) out.push(`  … and ${total - g.lines.length} more (see the full log)`);
    out.push('');
  }
  if (errors || !warnings) {
    out.push(
      'What to do: open the full log for context. Transient failures (throttling, timeouts, a busy crawler) are',
      'retried automatically and by the stuck-run sweep; an error that repeats needs a fix. A run marked failed in',
      'the run ledger stays at its stage until it is fixed and re-run.',
    );
  }
  if (warnings) {
    out.push(
      `${errors ? 'A warning' : 'What to do: a warning'} stopped nothing (a data-quality test of severity warn, or a source freshness change):`,
      'the run went on to load. Look at the named test, table and sample keys; fix the source data, or the',
      'declaration (sql/<zone>/<model>.tests.yaml) if the data is right.',
    );
  }
  return out.join('\n');
}

/**
 * Folds a job's lines that name no run (e.g. Lambda's own `Invoke Error`
 * line) into that job's group when the batch has exactly one run for the job:
 * they are about that run. Otherwise they stay a group of their own.
 */
function mergeRunless(groups: ErrorGroup[], maxLines: number): ErrorGroup[] {
  const out: ErrorGroup[] = [];
  for (const group of groups) {
    if (group.runId !== undefined) {
      out.push(group);
      continue;
    }
    const runs = groups.filter((g) => g.job === group.job && g.runId !== undefined);
    if (runs.length !== 1) {
      out.push(group);
      continue;
    }
    const target = runs[0];
    target.count += group.count;
    if (group.warnings) target.warnings = warningsOf(target) + group.warnings;
    target.lines.push(...group.lines.slice(0, Math.max(0, maxLines - target.lines.length)));
    target.link ??= group.link;
  }
  return out;
}

/**
 * Scans `input.records` for error lines (warnings among them counted apart),
 * groups them by job and run (in order of first appearance; a job's lines
 * without a run id join its only run's group when there is exactly one), and
 * when there is at least one sends ONE alert via `deps.notifier` for the
 * whole batch. Returns the groups and whether it notified. Throws what the
 * notifier throws (transient or terminal).
 */
export async function scanLogs(input: ScanLogsInput, deps: ScanLogsDeps): Promise<ScanLogsResult> {
  const maxLines = input.maxLinesPerGroup ?? 5;
  const groups = new Map<string, ErrorGroup>();
  for (const record of input.records) {
    const found = findError(record);
    if (!found) continue;
    const key = `${found.job}\u0000${found.runId ?? ''}`;
    let group = groups.get(key);
    if (!group) {
      const link =
        record.logGroup && input.region ? cloudWatchConsoleUrl(input.region, record.logGroup, record.logStream) : record.logFile;
      group = { job: found.job, runId: found.runId, count: 0, lines: [], ...(link ? { link } : {}) };
      groups.set(key, group);
    }
    if (found.warning) group.warnings = warningsOf(group) + 1;
    else group.count++;
    if (group.lines.length < maxLines) {
      const text = found.text.length > MAX_LINE_CHARS ? `${found.text.slice(0, MAX_LINE_CHARS)}…` : found.text;
      group.lines.push(`${new Date(record.timestamp).toISOString()}  ${text}`);
    }
  }
  const list = mergeRunless([...groups.values()], maxLines);
  const errors = sum(list, (g) => g.count);
  const warnings = sum(list, warningsOf);
  deps.logger?.info('logs scanned', {
    step: 'scan-logs',
    records: input.records.length,
    errors,
    warnings,
    groups: list.length,
  });
  if (errors === 0 && warnings === 0) return { errors, warnings, groups: list, notified: false };
  const subject = alertSubject(list);
  await deps.notifier.notify({ subject, body: alertBody(list) });
  return { errors, warnings, groups: list, notified: true, subject };
}
