/**
 * Test support: the alert emails the local notifier keeps in a home's outbox
 * (`.eml` files, bodies quoted-printable as nodemailer writes them).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Undoes quoted-printable (RFC 2045 §6.7): drops soft line breaks (`=` at a
 * line end) and turns each `=XX` into its byte; the bytes are read as UTF-8,
 * so `=C2=A3` is `£`. Headers and plain ASCII pass through unchanged.
 */
export function decodeQuotedPrintable(text: string): string {
  const parts = text.replace(/=\r?\n/g, '').split(/(=[0-9A-F]{2})/);
  const bytes = parts.map((part) =>
    /^=[0-9A-F]{2}$/.test(part) ? Buffer.from([parseInt(part.slice(1), 16)]) : Buffer.from(part, 'utf8'),
  );
  return Buffer.concat(bytes).toString('utf8');
}

/** Every email in the `outbox` folder, oldest first (file names start with the time), decoded; [] when there is no outbox. */
export function outboxEmails(outbox: string): string[] {
  if (!existsSync(outbox)) return [];
  return readdirSync(outbox)
    .sort()
    .map((name) => decodeQuotedPrintable(readFileSync(join(outbox, name), 'utf8')));
}
