/**
 * `lakehouse crawl [zone]`: crawls one zone or all of them now, through the
 * crawl job with the local runtime's catalog (as jobs/crawl/local.ts wires it):
 * every table found in the zone's folder gets its catalog view (re)created,
 * so a view lost or dropped is restored. It starts no later step.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { crawl } from '../../../jobs/crawl/crawl';
import { ZONES, type Zone } from '../../../jobs/lib/definition/zones';
import { formatCount, textTable } from '../text-table';
import { withRuntime } from '../with-runtime';

/** Parses the zone argument. Throws InvalidArgumentError naming the zones for anything else. */
export function parseZone(value: string): Zone {
  if ((ZONES as readonly string[]).includes(value)) return value as Zone;
  throw new InvalidArgumentError(`not a zone: ${JSON.stringify(value)} (one of ${ZONES.join(', ')})`);
}

export function registerCrawl(program: Command, setCode: (code: number) => void): void {
  program
    .command('crawl')
    .description(`re-register the catalog views of one zone (${ZONES.join(', ')}) or of all zones from their files`)
    .argument('[zone]', 'the zone to crawl (default: all)', parseZone)
    .action(async (zone: Zone | undefined) => {
      await withRuntime(async (runtime) => {
        const table = textTable(['zone', 'tables', 'views'], ['left', 'right', 'left']);
        for (const z of zone ? [zone] : ZONES) {
          await crawl({ zone: z }, { catalog: runtime.catalog, logger: runtime.logger });
          const tables = await runtime.catalog.tables(z);
          table.push([z, formatCount(tables.length), tables.map((t) => t.name).join(', ')]);
        }
        console.log(`crawled:\n${table.toString()}`);
        setCode(0);
      });
    });
}
