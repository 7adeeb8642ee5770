/**
 * Local wiring of extract (the counterpart of handler.ts): the source is the
 * runtime's PGlite or `LAKEHOUSE_SOURCE_URL` server, the raw zone a folder,
 * the ledger a file. On a server each table may stream on a connection of its
 * own; those extra connections close when the job ends, the source client
 * stays open until the runtime closes. With `LAKEHOUSE_CAPTURE=cdc` the job
 * reads the source's replication slot instead (change-extract.ts).
 */
import { localChangeCapture } from '../lib/runtimes/local/local-change-capture';
import type { LocalRuntime, LocalStep } from '../lib/runtimes/local/local-runtime';
import { changeExtract } from './change-extract';
import { extract } from './extract';

/** Runs extract once over the local adapters; resolves to the job's result. */
export const extractLocal: LocalStep = async (runtime) => {
  if (runtime.settings.capture === 'cdc') return changeExtractLocal(runtime);
  const source = await runtime.source();
  try {
    const { include, exclude, lookbackMs } = runtime.settings;
    return await extract(
      { include, exclude, lookbackMs },
      { source, raw: runtime.lake.raw, ledger: runtime.ledger, clock: runtime.clock, logger: runtime.logger },
    );
  } finally {
    await source.close();
  }
};

async function changeExtractLocal(runtime: LocalRuntime) {
  const capture = await localChangeCapture(runtime);
  const source = await runtime.source();
  try {
    const { include, exclude, lookbackMs } = runtime.settings;
    return await changeExtract(
      { include, exclude, lookbackMs },
      {
        capture,
        describe: (table) => source.describe(table),
        listTables: () => source.listTables(),
        raw: runtime.lake.raw,
        ledger: runtime.ledger,
        clock: runtime.clock,
        logger: runtime.logger,
      },
    );
  } finally {
    await source.close();
  }
}
