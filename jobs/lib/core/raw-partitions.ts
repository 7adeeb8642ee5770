/**
 * Registering the raw partitions a run wrote (extract, ingest), so the next
 * step need not wait for the raw crawler once the raw tables exist
 * (docs/architecture.md, "Events"). Best effort: the run is already recorded
 * and its manifest written when this runs, and the raw crawler, which the
 * manifest starts in both chain modes, registers whatever this leaves.
 */
import { errorMessage } from './errors';
import type { Logger } from './logger';
import type { Catalog } from './ports';

/**
 * Registers `run_id=<runId>` of each raw table in `tables` through the
 * catalog. Never throws: a failure is logged at WARN (the crawl registers the
 * partition instead); a table not crawled yet is logged at INFO.
 *
 * @returns the tables registered now
 */
export async function registerRawPartitions(
  deps: { catalog?: Catalog; logger: Logger },
  step: string,
  runId: string,
  tables: readonly string[],
): Promise<string[]> {
  if (!deps.catalog) return [];
  const registered: string[] = [];
  const leftToCrawler: string[] = [];
  for (const table of tables) {
    try {
      if (await deps.catalog.registerPartitions('raw', table, [runId])) registered.push(table);
      else leftToCrawler.push(table);
    } catch (error) {
      leftToCrawler.push(table);
      deps.logger.warn('raw partition not registered; the raw crawl will register it', {
        step,
        runId,
        table,
        error: errorMessage(error),
      });
    }
  }
  deps.logger.info('raw partitions registered', { step, runId, registered, leftToCrawler });
  return registered;
}
