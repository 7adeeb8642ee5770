/**
 * `lakehouse run --full-refresh [--dry-run]` and the guard of every `run`:
 * a full refresh re-extracts every matched source table from the start
 * (the watermarks are cleared first) and lets the normal chain transform and
 * load that run; it is recorded (warehouse-gap.ts) so the runs before it are
 * no longer required in the warehouse. Without it, a run into a warehouse
 * that lacks loaded runs is refused before anything is read.
 */
import { existsSync } from 'node:fs';
import { tableFilter } from '../../jobs/lib/core/table-globs';
import { quoteIdent } from '../../jobs/lib/core/identifiers';
import type { LocalRuntime } from '../../jobs/lib/runtimes/local/local-runtime';
import { formatCount, textTable } from './text-table';
import { findWarehouseGap, recordFullRefresh, renderGap } from './warehouse-gap';
import { redactUrl } from '../redact-url';

/** Where the source is, for messages (a server URL without its password, or the embedded folder). */
function sourceLabel(runtime: LocalRuntime): string {
  const url = runtime.settings.sourceUrl;
  return url ? redactUrl(url) : `the embedded source in ${runtime.paths.sourceDb}`;
}

/** The message refusing a delta into a warehouse that lacks loaded runs, or undefined when it lacks none. */
export async function refuseIfPartial(runtime: LocalRuntime): Promise<string | undefined> {
  const gap = await findWarehouseGap(runtime);
  return gap ? renderGap(runtime, gap) : undefined;
}

/**
 * What a full refresh would read: each source table the include/exclude
 * globs match, with its row count, as a printable text. Reads only; an
 * embedded source that does not exist yet is not created.
 */
export async function fullRefreshDryRun(runtime: LocalRuntime): Promise<string> {
  const { settings } = runtime;
  if (!settings.sourceUrl && !existsSync(runtime.paths.sourceDb)) {
    return `dry run: ${sourceLabel(runtime)} does not exist yet (seed it with \`lakehouse seed\`): a full refresh would extract nothing\nnothing was changed`;
  }
  const source = await runtime.source();
  let tables: string[];
  try {
    tables = (await source.listTables()).filter(tableFilter(settings.include, settings.exclude)).sort();
  } finally {
    await source.close();
  }
  const client = await runtime.sourceClient();
  const table = textTable(['source table', 'rows'], ['left', 'right']);
  let total = 0;
  for (const name of tables) {
    const [row] = await client.query(`select count(*) as n from ${quoteIdent(name)}`);
    total += Number(row.n);
    table.push([name, formatCount(Number(row.n))]);
  }
  return [
    `dry run: a full refresh would clear the watermarks and re-extract ${tables.length} table(s), ${formatCount(total)} rows, from ${sourceLabel(runtime)}, then transform and load them as one run:`,
    table.toString(),
    'nothing was changed',
  ].join('\n');
}

/** Clears the watermarks, so the next extract reads every row of every matched table. */
export async function startFullRefresh(runtime: LocalRuntime): Promise<void> {
  const { version } = await runtime.ledger.getWatermarks();
  await runtime.ledger.putWatermarks({}, version);
  runtime.logger.info('full refresh: watermarks cleared', { step: 'extract' });
}

/**
 * Records the extract run created since `before` (ISO, UTC) as the latest full
 * refresh; returns the summary line saying which run it was, or that the extract made none.
 */
export async function finishFullRefresh(runtime: LocalRuntime, before: string): Promise<string> {
  const runs = await runtime.ledger.listRuns({ limit: 20 });
  const run = runs.filter((r) => r.origin === 'extract' && r.createdAt >= before).at(-1);
  if (!run) return 'full refresh: the extract made no run (see below); the watermarks stay cleared for the next run';
  await recordFullRefresh(runtime, run.runId);
  return `full refresh: run ${run.runId} re-extracted every matched table from ${sourceLabel(runtime)}`;
}
