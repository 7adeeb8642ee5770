/**
 * Notifier for the local runtime (nodemailer): sends alert emails through an
 * SMTP server when `LAKEHOUSE_SMTP_URL` is set, else writes each email as an
 * `.eml` file into the outbox folder, so alerts are never lost on a laptop.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Notifier } from '../../core/ports';

export interface EmailNotifierOptions {
  /** Recipient address. */
  to: string;
  /** Sender address; default `lakehouse@localhost`. */
  from?: string;
  /** SMTP URL (`smtp://host:port`, `smtps://user:pass@host`); when absent, emails go to `outbox`. */
  smtpUrl?: string;
  /** Folder for `.eml` files when there is no SMTP URL. */
  outbox: string;
  /** Clock for outbox file names. */
  now?: () => Date;
}

export class EmailNotifier implements Notifier {
  private readonly transport: Transporter;
  private counter = 0;

  constructor(private readonly options: EmailNotifierOptions) {
    this.transport = options.smtpUrl
      ? nodemailer.createTransport(options.smtpUrl)
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  /**
   * Sends one plain-text email (or writes it to the outbox). Throws when the
   * SMTP server cannot be reached or refuses the message.
   */
  async notify(message: { subject: string; body: string }): Promise<void> {
    const info = await this.transport.sendMail({
      from: this.options.from ?? 'lakehouse@localhost',
      to: this.options.to,
      subject: message.subject,
      text: message.body,
    });
    if (!this.options.smtpUrl) {
      await fs.mkdir(this.options.outbox, { recursive: true });
      const stamp = (this.options.now?.() ?? new Date()).toISOString().replace(/[-:.]/g, '');
      const file = join(this.options.outbox, `${stamp}-${process.pid}-${++this.counter}.eml`);
      await fs.writeFile(file, (info as unknown as { message: Buffer }).message);
    }
  }

  /** Closes the SMTP connection pool, if any. */
  close(): void {
    this.transport.close();
  }
}
