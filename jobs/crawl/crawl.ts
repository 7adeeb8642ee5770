/**
 * The crawl job: brings a zone's catalog up to date after new files land
 * (docs/architecture.md "Events"). On AWS it starts the zone's Glue crawler and Glue announces
 * the result; locally the crawl runs at once and the runtime announces it.
 */
import type { Logger } from '../lib/core/logger';
import type { Zone } from '../lib/definition/zones';
import type { Catalog } from '../lib/core/ports';

export interface CrawlInput {
  zone: Zone;
}

export interface CrawlDeps {
  catalog: Catalog;
  logger: Logger;
}

export interface CrawlResult {
  zone: Zone;
  /** `already-running` is not an error: the pending files are picked up by the running crawl or the sweep. */
  outcome: 'started' | 'already-running' | 'completed';
}

/** Starts (or performs) a crawl of `input.zone`. Throws what the catalog throws (transient or terminal). */
export async function crawl(input: CrawlInput, deps: CrawlDeps): Promise<CrawlResult> {
  const outcome = await deps.catalog.crawl(input.zone);
  deps.logger.info('crawl requested', { step: 'crawl', zone: input.zone, outcome });
  return { zone: input.zone, outcome };
}
