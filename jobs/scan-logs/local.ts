/**
 * Local wiring of scan-logs (the counterpart of handler.ts, which reads a
 * CloudWatch Logs subscription payload): the pass notes where the run log
 * ends before it starts, then scans the JSON lines it appended and sends one
 * alert through the runtime's notifier (SMTP or the outbox) if any is an error.
 * An alert the SMTP server did not take is kept in the outbox and reported in
 * the result (`notSent`), not thrown: the pass itself did its work.
 */
import { promises as fs } from 'node:fs';
import type { LocalRuntime } from '../lib/runtimes/local/local-runtime';
import { AlertNotSentError } from '../lib/adapters/smtp/email-notifier';
import type { Notifier } from '../lib/core/ports';
import { scanLogs, type LogRecord, type ScanLogsResult } from './scan-logs';

/** What the local scan found; `notSent` when its alert could not be emailed (then `notified` is false). */
export interface LocalScanResult extends ScanLogsResult {
  /** Why the alert was not sent (the SMTP error) and the outbox file it was kept in. */
  notSent?: { reason: string; keptAt: string };
}

/** Bytes in the log file now (0 when it does not exist yet). */
async function logSize(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return 0;
  }
}

/** The log lines appended to `file` since byte `offset`, as scan-logs records. */
async function logRecordsSince(file: string, offset: number): Promise<LogRecord[]> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    await handle.read(buffer, 0, buffer.length, offset);
    return buffer
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim())
      .map((message) => {
        let timestamp = Date.now();
        try {
          const parsed = Date.parse((JSON.parse(message) as { timestamp?: string }).timestamp ?? '');
          if (!Number.isNaN(parsed)) timestamp = parsed;
        } catch {
          // a plain-text line: keep it, stamped now
        }
        return { timestamp, message, logFile: file };
      });
  } finally {
    await handle.close();
  }
}

/** Where the runtime's log ends now, in bytes: pass it to {@link scanLogsLocal} after the pass. */
export function logOffset(runtime: LocalRuntime): Promise<number> {
  return logSize(runtime.logFile);
}

/**
 * Scans the log lines written since byte `offset` and alerts once on errors.
 * An alert the SMTP server does not take (unreachable, silent past
 * `LAKEHOUSE_SMTP_TIMEOUT`, refusing it) is kept in the outbox, logged as a
 * warning and returned as `notSent`. Throws what reading the log or writing
 * the outbox throws.
 */
export async function scanLogsLocal(runtime: LocalRuntime, offset: number): Promise<LocalScanResult> {
  let notSent: LocalScanResult['notSent'];
  const notifier: Notifier = {
    async notify(message) {
      try {
        await runtime.notifier.notify(message);
      } catch (error) {
        if (!(error instanceof AlertNotSentError)) throw error;
        notSent = { reason: error.reason, keptAt: error.keptAt };
        runtime.logger.warn('alert not sent', { step: 'scan-logs', reason: error.reason, keptAt: error.keptAt });
      }
    },
  };
  const result = await scanLogs({ records: await logRecordsSince(runtime.logFile, offset) }, { notifier });
  return notSent ? { ...result, notified: false, notSent } : result;
}
