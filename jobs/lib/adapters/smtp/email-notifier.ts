/**
 * Notifier for the local runtime (nodemailer): sends alert emails through an
 * SMTP server when `LAKEHOUSE_SMTP_URL` is set, else writes each email as an
 * `.eml` file into the outbox folder, so alerts are never lost on a laptop.
 * An email the SMTP server does not take (unreachable, silent past the
 * timeout, refusing it) is written to the outbox too, and the send fails with
 * {@link AlertNotSentError} naming the file.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type { Notifier } from '../../core/ports';

/** How long an SMTP server may take to connect, greet and answer each command, by default: 10 s. */
export const DEFAULT_SMTP_TIMEOUT_MS = 10_000;

export interface EmailNotifierOptions {
  /** Recipient address. */
  to: string;
  /** Sender address; default `lakehouse@localhost`. */
  from?: string;
  /** SMTP URL (`smtp://host:port`, `smtps://user:pass@host`); when absent, emails go to `outbox`. */
  smtpUrl?: string;
  /**
   * Milliseconds the SMTP server may take to accept the connection and to send
   * its greeting (nodemailer's connectionTimeout and greetingTimeout); twice
   * that for a silent socket afterwards (socketTimeout). Default {@link DEFAULT_SMTP_TIMEOUT_MS}.
   */
  timeoutMs?: number;
  /** Folder for `.eml` files: every email without an SMTP URL, and any the SMTP server did not take. */
  outbox: string;
  /** Clock for outbox file names. */
  now?: () => Date;
}

/** An alert the SMTP server did not take; the email was kept in the outbox instead. */
export class AlertNotSentError extends Error {
  override readonly name = 'AlertNotSentError';
  /**
   * @param reason why the send failed (the SMTP error's text)
   * @param keptAt the `.eml` file the email was written to
   */
  constructor(
    readonly reason: string,
    readonly keptAt: string,
    options?: { cause?: unknown },
  ) {
    super(`alert not sent: ${reason}; kept in ${keptAt}`, options);
  }
}

/**
 * Why an SMTP send failed, for a person: the server (host and port, never the
 * credentials), nodemailer's message and its error code, e.g. `SMTP server
 * 127.0.0.1:2525: Greeting never received (ETIMEDOUT)`.
 */
function smtpReason(smtpUrl: string, error: unknown): string {
  let server = 'SMTP server';
  try {
    const url = new URL(smtpUrl);
    server = `SMTP server ${url.host}`;
  } catch {
    // an unparseable URL: nodemailer's message says what is wrong with it
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  return `${server}: ${message}${typeof code === 'string' ? ` (${code})` : ''}`;
}

export class EmailNotifier implements Notifier {
  private readonly transport: Transporter | undefined;
  private readonly outboxTransport: Transporter;
  private counter = 0;

  constructor(private readonly options: EmailNotifierOptions) {
    const timeout = options.timeoutMs ?? DEFAULT_SMTP_TIMEOUT_MS;
    this.transport = options.smtpUrl
      ? nodemailer.createTransport({
          url: options.smtpUrl,
          connectionTimeout: timeout,
          greetingTimeout: timeout,
          // Longer than the greeting's, so a server that accepts and never greets is always reported as such
          // (equal timers race, and the idle-socket one says only "Timeout").
          socketTimeout: 2 * timeout,
        })
      : undefined;
    this.outboxTransport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  /**
   * Sends one plain-text email (or writes it to the outbox when there is no
   * SMTP URL).
   *
   * @throws AlertNotSentError when the SMTP server cannot be reached, stays
   *   silent past the timeout, or refuses the message; the email is then in
   *   the outbox file the error names
   * @throws the file system's error when the outbox cannot be written
   */
  async notify(message: { subject: string; body: string }): Promise<void> {
    const mail = {
      from: this.options.from ?? 'lakehouse@localhost',
      to: this.options.to,
      subject: message.subject,
      text: message.body,
    };
    if (!this.transport) {
      await this.keep(mail);
      return;
    }
    try {
      await this.transport.sendMail(mail);
    } catch (error) {
      const keptAt = await this.keep(mail);
      throw new AlertNotSentError(smtpReason(this.options.smtpUrl!, error), keptAt, { cause: error });
    }
  }

  /** Writes the email as an `.eml` file in the outbox; returns its path. */
  private async keep(mail: SendMailOptions): Promise<string> {
    const info = await this.outboxTransport.sendMail(mail);
    await fs.mkdir(this.options.outbox, { recursive: true });
    const stamp = (this.options.now?.() ?? new Date()).toISOString().replace(/[-:.]/g, '');
    const file = join(this.options.outbox, `${stamp}-${process.pid}-${++this.counter}.eml`);
    await fs.writeFile(file, (info as unknown as { message: Buffer }).message);
    return file;
  }

  /** Closes the SMTP connection pool, if any. */
  close(): void {
    this.transport?.close();
    this.outboxTransport.close();
  }
}
