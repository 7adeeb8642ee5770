/**
 * Local wiring of crawl (the counterpart of handler.ts): the DuckDB catalog
 * crawls the zone's folder at once and announces "Glue Crawler State Change"
 * Succeeded on the local bus, as Glue would.
 */
import { TerminalError } from '../lib/core/errors';
import type { LocalStep } from '../lib/runtimes/local/local-runtime';
import { crawl } from './crawl';

/**
 * Crawls the zone the route names.
 *
 * @throws TerminalError when the route names no zone (a routes.ts mistake)
 */
export const crawlLocal: LocalStep = async (runtime, route) => {
  const zone = route.input.zone;
  if (!zone) throw new TerminalError(`route ${route.name} starts crawl without a zone`);
  return crawl({ zone }, { catalog: runtime.catalog, logger: runtime.logger });
};
