import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { EmailNotifier } from '../../jobs/lib/adapters/smtp/email-notifier';
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
});
