import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lakehouseBin } from '../support/lakehouse-bin';
import { outboxEmails } from '../support/outbox';

const lakehouse = (args: string[], home: string) => lakehouseBin(args, home, { timeoutMs: 600_000 });

const T1 = '2022-11-03T14:20:49.962';
const T2 = '2022-11-04T09:00:00.000';
const currency = (id: unknown, code: string, over: Record<string, unknown> = {}) =>
  JSON.stringify({ currency_id: id, currency_code: code, created_at: T1, last_updated: T1, currency_symbol: '£', ...over });

/** The alert emails in the home's outbox, decoded. */
const alerts = (home: string): string[] => outboxEmails(join(home, 'outbox'));

describe('cleaned rejects and schema drift (CLI, embedded default)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-rejects-'));
  const home = join(dir, '.lakehouse');
  const landing = join(home, 'zones', 'raw', 'landing', 'currency');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps one of identical versions, rejects a conflicting one and a bad value with their original text, and records a new column once', async () => {
    mkdirSync(landing, { recursive: true });
    writeFileSync(
      join(landing, 'currencies.jsonl'),
      [
        currency(1, 'GBP'),
        currency(1, 'GBP'), // identical: collapses silently
        currency(2, 'USD'), // conflicts with EUR at the same last_updated: EUR comes first in column order
        currency(2, 'EUR'),
        currency('x3', 'JPY'), // cannot be typed
      ].join('\n'),
    );
    // The embedded source is empty (no table matched: exit 1, issue 12); the landed file makes a run.
    const first = await lakehouse(['run'], home);
    expect(first.stdout).toMatch(/rejected rows: 2 in currency/);

    const good = await lakehouse(['query', '--json', 'select currency_id, currency_code from cleaned.currency order by 1'], home);
    expect(JSON.parse(good.stdout)).toEqual([
      { currency_id: 1, currency_code: 'GBP' },
      { currency_id: 2, currency_code: 'EUR' },
    ]);

    const rejects = await lakehouse(
      ['query', '--json', 'select run_id, table_name, stage, file, line, reason, original from cleaned._rejects order by reason'],
      home,
    );
    expect(rejects.code).toBe(0);
    const rows = JSON.parse(rejects.stdout) as Record<string, unknown>[];
    const [runId] = rows.map((r) => r.run_id);
    expect(runId).toMatch(/^\d{8}t\d{6}z/);
    expect(rows.map((r) => ({ ...r, original: JSON.parse(String(r.original)) }))).toEqual([
      {
        run_id: runId,
        table_name: 'currency',
        stage: 'cleaned',
        file: null,
        line: null,
        reason: `conflicting version of currency_id 2 at ${T1}`,
        original: { currency_id: '2', currency_code: 'USD', created_at: T1, last_updated: T1 },
      },
      {
        run_id: runId,
        table_name: 'currency',
        stage: 'cleaned',
        file: null,
        line: null,
        reason: "currency_id is not an integer: 'x3'",
        original: { currency_id: 'x3', currency_code: 'JPY', created_at: T1, last_updated: T1 },
      },
    ]);
    // Text mode too: the bad value is there as it came.
    const text = await lakehouse(['query', 'select table_name, reason, original from cleaned._rejects order by reason'], home);
    expect({ code: text.code, stderr: text.stderr }).toEqual({ code: 0, stderr: '' });
    expect(text.stdout).toContain("currency_id is not an integer: 'x3'");
    expect(text.stdout).toContain('"currency_id":"x3"');

    // The run record counts both rejects; the new column stays in raw.
    const status = JSON.parse((await lakehouse(['status', '--json'], home)).stdout);
    expect(status.runs.find((r: { runId: string }) => r.runId === runId).rejects).toEqual({ currency: 2 });
    const raw = await lakehouse(['query', '--json', 'select distinct currency_symbol from raw.currency'], home);
    expect(JSON.parse(raw.stdout)).toEqual([{ currency_symbol: '£' }]);
    expect(status.schemaDrift).toEqual([
      {
        table: 'currency',
        column: 'currency_symbol',
        dataType: 'text',
        firstRunId: runId,
        origin: 'ingest',
        firstSeenAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      },
    ]);
    const statusText = await lakehouse(['status'], home);
    expect({ code: statusText.code, stderr: statusText.stderr }).toEqual({ code: 0, stderr: '' });
    expect(statusText.stdout).toMatch(/currency\s*│\s*currency_symbol\s*│\s*text\s*│\s*\d{8}t\d{6}z/);

    const afterFirst = alerts(home);
    expect(afterFirst.filter((a) => a.includes('currency_symbol'))).toHaveLength(1);
    expect(afterFirst.join('\n')).toMatch(/conflicting version/);

    // A second run with the same new column: recorded before, so no second drift alert.
    writeFileSync(join(landing, 'more.jsonl'), currency(4, 'CHF', { last_updated: T2 }));
    await lakehouse(['run'], home);
    const chf = await lakehouse(['query', '--json', 'select currency_code from cleaned.currency where currency_id = 4'], home);
    expect(JSON.parse(chf.stdout)).toEqual([{ currency_code: 'CHF' }]);
    expect(alerts(home).filter((a) => a.includes('currency_symbol'))).toHaveLength(1);
    const again = JSON.parse((await lakehouse(['status', '--json'], home)).stdout);
    expect(again.schemaDrift.map((d: { firstRunId: string }) => d.firstRunId)).toEqual([runId]);
  }, 1_800_000);
});
