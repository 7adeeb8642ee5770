import { readdirSync, readFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { AlertNotSentError, EmailNotifier } from '../../jobs/lib/adapters/smtp/email-notifier';
import { tempDirs } from '../support/temp-dirs';

const tempDir = tempDirs();

describe('EmailNotifier', () => {
  it('writes an .eml file to the outbox when no SMTP server is configured', async () => {
    const outbox = join(tempDir('outbox-'), 'outbox');
    const notifier = new EmailNotifier({ to: 'team@example.test', outbox });
    await notifier.notify({ subject: 'lakehouse: 1 error in load', body: 'run 20250225t132609z failed' });
    const files = readdirSync(outbox);
    expect(files).toHaveLength(1);
    const eml = readFileSync(join(outbox, files[0]), 'utf8');
    expect(eml).toMatch(/^To: team@example.test$/m);
    expect(eml).toMatch(/^Subject: lakehouse: 1 error in load$/m);
    expect(eml).toContain('run 20250225t132609z failed');
  });

  it('delivers through a real SMTP server on loopback', async () => {
    const received: string[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, callback) {
        let data = '';
        stream.on('data', (chunk: Buffer) => (data += chunk.toString()));
        stream.on('end', () => {
          received.push(data);
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    const notifier = new EmailNotifier({ to: 'team@example.test', smtpUrl: `smtp://127.0.0.1:${port}`, outbox: '/nonexistent' });
    try {
      await notifier.notify({ subject: 'lakehouse: rows rejected', body: '3 rows in sales_order' });
    } finally {
      notifier.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(received).toHaveLength(1);
    expect(received[0]).toMatch(/Subject: lakehouse: rows rejected/);
    expect(received[0]).toContain('3 rows in sales_order');
  });

  it('gives up on an SMTP server that accepts and never answers, within the timeout, and keeps the email in the outbox', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const outbox = join(tempDir('outbox-'), 'outbox');
    const notifier = new EmailNotifier({ to: 'team@example.test', smtpUrl: `smtp://127.0.0.1:${port}`, timeoutMs: 500, outbox });
    const started = Date.now();
    let error: unknown;
    try {
      await notifier.notify({ subject: 'lakehouse: 1 error in load', body: 'run 20250225t132609z failed' });
    } catch (e) {
      error = e;
    } finally {
      notifier.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(sockets).toHaveLength(1);
    expect(error).toBeInstanceOf(AlertNotSentError);
    const { reason, keptAt } = error as AlertNotSentError;
    expect(reason).toBe(`SMTP server 127.0.0.1:${port}: Greeting never received (ETIMEDOUT)`);
    expect(readdirSync(outbox)).toHaveLength(1);
    expect(keptAt).toBe(join(outbox, readdirSync(outbox)[0]));
    expect(readFileSync(keptAt, 'utf8')).toMatch(/^Subject: lakehouse: 1 error in load$/m);
  });
});
