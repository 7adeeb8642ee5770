/**
 * Local wiring of load (the counterpart of handler.ts): the warehouse is the
 * runtime's PGlite or `LAKEHOUSE_WAREHOUSE_URL` server, staged from the
 * transformed zone's Parquet files.
 */
import type { LocalStep } from '../lib/runtimes/local/local-runtime';
import { load } from './load';

/** Loads the runs waiting at `transformed` into the local warehouse. */
export const loadLocal: LocalStep = async (runtime) =>
  load(
    {},
    {
      warehouse: await runtime.warehouse(),
      transformed: runtime.lake.transformed,
      ledger: runtime.ledger,
      clock: runtime.clock,
      logger: runtime.logger,
    },
  );
