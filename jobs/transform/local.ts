/**
 * Local wiring of transform (the counterpart of handler.ts): models run as
 * DuckDB `COPY (select …) TO … (FORMAT PARQUET)` into the zone folders, and
 * `ZoneWritten` goes to the local bus.
 */
import { TerminalError } from '../lib/core/errors';
import type { LocalStep } from '../lib/runtimes/local/local-runtime';
import { transform } from './transform';

/**
 * Transforms the waiting runs into the zone the route targets.
 *
 * @throws TerminalError when the route names no target (a routes.ts mistake)
 */
export const transformLocal: LocalStep = async (runtime, route) => {
  const target = route.input.target;
  if (!target) throw new TerminalError(`route ${route.name} starts transform without a target`);
  return transform(
    { target },
    {
      engine: runtime.engine,
      catalog: runtime.catalog,
      ledger: runtime.ledger,
      events: runtime.bus,
      clock: runtime.clock,
      logger: runtime.logger,
      drift: { raw: runtime.lake.raw, cleaned: runtime.lake.cleaned },
      quality: { results: runtime.lake.transformed },
    },
  );
};
