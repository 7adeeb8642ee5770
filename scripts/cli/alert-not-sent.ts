/** The console warning for an alert the SMTP server did not take (jobs/scan-logs/local.ts keeps it in the outbox). */
import type { LocalRuntime } from '../../jobs/lib/runtimes/local/local-runtime';

/** One line: that the alert could not be sent, to whom, why (the SMTP error), and the outbox file it is kept in. */
export function alertNotSentLine(runtime: LocalRuntime, notSent: { reason: string; keptAt: string }): string {
  const to = runtime.settings.smtpUrl ? ` to ${runtime.settings.alertEmail}` : '';
  return `WARNING: the alert could not be sent${to} (${notSent.reason}); it is kept in ${notSent.keptAt}`;
}
