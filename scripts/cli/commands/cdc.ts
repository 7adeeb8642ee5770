/**
 * `lakehouse cdc setup|status|drop` (README "Change capture"):
 *
 * - `setup` checks the source server (wal_level, replication privilege),
 *   sets REPLICA IDENTITY FULL on the extracted tables, creates the
 *   publication and the pgoutput slot, extracts every row in the slot's
 *   exported snapshot as the initial load (so the load and the captured
 *   changes neither miss nor repeat a transaction), then runs a pass, which
 *   carries the load to the warehouse. An existing slot is kept (no load).
 * - `status` prints the slot's lag and retained WAL, the publication's
 *   tables and the tables whose deletes would carry no values; exits 1 when
 *   the slot is missing or lost, over `LAKEHOUSE_CDC_MAX_LAG`, or a table is
 *   not captured fully.
 * - `drop` removes the slot (freeing its WAL) and the publication.
 *
 * All three need a PostgreSQL server source (`LAKEHOUSE_SOURCE_URL`).
 */
import bytes from 'bytes';
import type { Command } from 'commander';
import { tableFilter } from '../../../jobs/lib/core/table-globs';
import { extract, type ExtractResult } from '../../../jobs/extract/extract';
import { dropCdc, publicationGaps, setupCdc } from '../../../jobs/lib/adapters/postgres/pg-cdc-setup';
import { openPgServer } from '../../../jobs/lib/adapters/postgres/pg-client';
import { PgSourceDb } from '../../../jobs/lib/adapters/postgres/pg-source-db';
import { TerminalError, errorMessage } from '../../../jobs/lib/core/errors';
import { checkSlotLag, type SlotLagCheck } from '../../../jobs/lib/core/slot-lag';
import { localChangeCapture } from '../../../jobs/lib/runtimes/local/local-change-capture';
import type { LocalRuntime } from '../../../jobs/lib/runtimes/local/local-runtime';
import { EXIT } from '../exit-codes';
import { formatCount } from '../text-table';
import { withRuntime } from '../with-runtime';
import { runOnce } from './run';

/** The source URL, or a TerminalError saying change capture needs a server. */
function serverUrl(runtime: LocalRuntime): string {
  const url = runtime.settings.sourceUrl;
  if (!url) {
    throw new TerminalError(
      'change capture needs a PostgreSQL server source: set LAKEHOUSE_SOURCE_URL (the embedded source has no logical decoding; ' +
        'keep LAKEHOUSE_CAPTURE=watermark and use `lakehouse reconcile`)',
    );
  }
  return url;
}

/** The source tables the include and exclude globs match. */
async function capturedTables(runtime: LocalRuntime): Promise<string[]> {
  const source = await runtime.source();
  try {
    const { include, exclude } = runtime.settings;
    return (await source.listTables()).filter(tableFilter(include, exclude));
  } finally {
    await source.close();
  }
}

/** Sets up capture and makes the initial load (module comment); the load's extract result, or null when the slot existed. */
async function setup(runtime: LocalRuntime, log: (line: string) => void): Promise<ExtractResult | null> {
  const url = serverUrl(runtime);
  const { slot, publication } = runtime.settings.cdc;
  const tables = await capturedTables(runtime);
  const client = await runtime.sourceClient();
  const done = await setupCdc(client, url, { slot, publication }, tables);
  try {
    if (done.identityChanged.length) log(`replica identity set to FULL on ${done.identityChanged.join(', ')}`);
    log(`publication ${publication}: ${tables.length} table(s) (${tables.join(', ')})`);
    if (!done.slotCreated) {
      log(`slot ${slot} exists already: kept at its position (no initial load)`);
      return null;
    }
    log(`slot ${slot} created at ${done.consistentLsn}; initial load in its snapshot ${done.snapshot}`);
    const source = new PgSourceDb(await openPgServer(url), {
      closeClient: true,
      connect: () => openPgServer(url),
      snapshot: done.snapshot,
    });
    try {
      const { include, exclude, lookbackMs } = runtime.settings;
      return await extract(
        { include, exclude, lookbackMs, full: true },
        { source, raw: runtime.lake.raw, ledger: runtime.ledger, clock: runtime.clock, logger: runtime.logger },
      );
    } finally {
      await source.close();
    }
  } finally {
    await done.release();
  }
}

/** The slot check and publication gaps as text, and whether all is well. */
export async function cdcStatus(runtime: LocalRuntime): Promise<{ ok: boolean; text: string; check: SlotLagCheck }> {
  serverUrl(runtime);
  const capture = await localChangeCapture(runtime);
  const check = await checkSlotLag(capture, runtime.settings.cdc.maxLagBytes, runtime.logger);
  const gaps = await publicationGaps(
    await runtime.sourceClient(),
    { slot: runtime.settings.cdc.slot, publication: runtime.settings.cdc.publication },
    await capturedTables(runtime),
  );
  const lines = [`capture mode: ${runtime.settings.capture}`];
  if (check.status) {
    const s = check.status;
    lines.push(
      `slot ${s.slot}: ${s.active ? 'active' : 'idle'}, confirmed ${s.confirmedLsn ?? '-'}, lag ${bytes.format(s.lagBytes)}, ` +
        `retained WAL ${bytes.format(s.retainedBytes)} (alert over ${bytes.format(check.maxLagBytes)}), wal_status ${s.walStatus ?? '-'}`,
    );
  }
  lines.push(`publication ${runtime.settings.cdc.publication}: ${gaps.published.length} table(s)`);
  const problems = [...check.problems];
  if (gaps.unpublished.length)
    problems.push(`not in the publication (not captured): ${gaps.unpublished.join(', ')} (run \`lakehouse cdc setup\`)`);
  if (gaps.identityNotFull.length) {
    problems.push(
      `replica identity not FULL (deletes carry only the key, silent updates go unseen): ${gaps.identityNotFull.join(', ')} (run \`lakehouse cdc setup\`)`,
    );
  }
  if (runtime.settings.capture !== 'cdc') lines.push('note: LAKEHOUSE_CAPTURE is not cdc, so run and watch do not read the slot');
  for (const p of problems) lines.push(`problem: ${p}`);
  return { ok: problems.length === 0, text: lines.join('\n'), check };
}

export function registerCdc(program: Command, setCode: (code: number) => void): void {
  const cdc = program
    .command('cdc')
    .description('change capture from a PostgreSQL server: setup, status, drop (README "Change capture")');

  cdc
    .command('setup')
    .description(
      'check the server, set REPLICA IDENTITY FULL, create the publication and slot, load every row in the slot snapshot',
    )
    .action(async () => {
      await withRuntime(async (runtime) => {
        let load: ExtractResult | null;
        try {
          load = await setup(runtime, (line) => console.log(line));
        } catch (error) {
          console.error(`cdc setup failed: ${errorMessage(error)}`);
          setCode(EXIT.failed);
          return;
        }
        if (runtime.settings.capture !== 'cdc') {
          console.log('note: set LAKEHOUSE_CAPTURE=cdc so that run and watch read the slot');
        }
        if (!load?.runId) {
          if (load) console.log('initial load: the source tables are empty, nothing to load');
          setCode(EXIT.ok);
          return;
        }
        const rows = Object.values(load.tables).reduce((a, b) => a + b, 0);
        console.log(`initial load: run ${load.runId}, ${formatCount(rows)} rows of ${Object.keys(load.tables).length} table(s)`);
        const { ok, text } = await runOnce(runtime);
        console.log(text);
        setCode(ok ? EXIT.ok : EXIT.failed);
      });
    });

  cdc
    .command('status')
    .description("the slot's lag and retained WAL, and the captured tables; exits 1 on a problem")
    .option('--json', 'print the slot status as JSON')
    .action(async (options: { json?: boolean }) => {
      await withRuntime(async (runtime) => {
        try {
          const { ok, text, check } = await cdcStatus(runtime);
          console.log(options.json ? JSON.stringify({ ok, ...check }, null, 2) : text);
          setCode(ok ? EXIT.ok : EXIT.failed);
        } catch (error) {
          console.error(`cdc status failed: ${errorMessage(error)}`);
          setCode(EXIT.failed);
        }
      });
    });

  cdc
    .command('drop')
    .description('drop the slot (freeing the WAL it holds) and the publication')
    .action(async () => {
      await withRuntime(async (runtime) => {
        try {
          serverUrl(runtime);
          const { slot, publication } = runtime.settings.cdc;
          const dropped = await dropCdc(await runtime.sourceClient(), { slot, publication });
          console.log(
            `slot ${slot}: ${dropped.slot ? 'dropped' : 'did not exist'}; publication ${publication}: ${dropped.publication ? 'dropped' : 'did not exist'}`,
          );
          setCode(EXIT.ok);
        } catch (error) {
          console.error(`cdc drop failed: ${errorMessage(error)}`);
          setCode(EXIT.failed);
        }
      });
    });
}
