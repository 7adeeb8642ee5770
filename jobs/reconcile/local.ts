/**
 * Local wiring of reconcile: the source is the runtime's PGlite or
 * `LAKEHOUSE_SOURCE_URL` server, the comparison runs on the runtime's DuckDB
 * over the cleaned zone, the run goes to the raw zone folder and the ledger
 * file, like an extract's.
 */
import { PgReconcileSource } from '../lib/adapters/postgres/pg-reconcile-source';
import type { LocalRuntime } from '../lib/runtimes/local/local-runtime';
import { reconcile, type ReconcileResult } from './reconcile';

/** Runs reconcile once over the local adapters (`dryRun`: compare and report only). */
export async function reconcileLocal(runtime: LocalRuntime, options: { dryRun?: boolean } = {}): Promise<ReconcileResult> {
  const source = await runtime.source();
  try {
    const { include, exclude } = runtime.settings;
    return await reconcile(
      { include, exclude, dryRun: options.dryRun },
      {
        source: new PgReconcileSource(await runtime.sourceClient()),
        listTables: () => source.listTables(),
        raw: runtime.lake.raw,
        engine: runtime.engine,
        cleanedTables: async () => (await runtime.catalog.tables('cleaned')).map((t) => t.name),
        catalog: runtime.catalog,
        ledger: runtime.ledger,
        clock: runtime.clock,
        logger: runtime.logger,
      },
    );
  } finally {
    await source.close();
  }
}
