/**
 * The zone crawlers as data (crawlers/zone-crawlers.ts): which keys each
 * crawler reads, judged with a glob matcher of the same syntax Glue uses for
 * exclude patterns, and the configuration JSON Glue receives.
 */
import picomatch from 'picomatch';
import { crawlerConfigurationJson, crawlerProblems, ZONE_CRAWLERS } from '../../crawlers/zone-crawlers';
import { keys } from '../../jobs/lib/definition/object-keys';
import { ZONES, type Zone } from '../../jobs/lib/definition/zones';

/** True when the crawler of `zone` would skip `key`. */
const excluded = (zone: Zone, key: string) => ZONE_CRAWLERS[zone].exclusions.some((glob) => picomatch(glob, { dot: true })(key));

const RUN = '20250225t132609z';

describe('zone crawlers', () => {
  it('crawl the table data of every zone', () => {
    expect(excluded('raw', keys.rawPart('sales_order', RUN, 0))).toBe(false);
    expect(excluded('cleaned', `${keys.runFolder('sales_order', RUN)}part-0.parquet`)).toBe(false);
    expect(excluded('transformed', `${keys.runFolder('fact_sales_order', RUN)}20250225_abc.parquet`)).toBe(false);
  });

  it('skip manifests, landing files, rejects, the ledger and temporary paths', () => {
    expect(excluded('raw', keys.manifest(RUN))).toBe(true);
    expect(excluded('raw', 'landing/sales_order/new.csv')).toBe(true);
    expect(excluded('raw', '_processed/landing/sales_order/new.csv')).toBe(true);
    expect(excluded('raw', '_quarantine/landing/sales_order/bad.csv')).toBe(true);
    expect(excluded('raw', keys.lineRejects('sales_order', RUN, 'ingest'))).toBe(true);
    expect(excluded('cleaned', `${keys.rejectsFolder('sales_order', RUN)}part-0.parquet`)).toBe(true);
    for (const zone of ZONES) {
      expect(excluded(zone, `_ledger/runs/${RUN}.json`)).toBe(true);
      expect(excluded(zone, 'sales_order/_temporary/0/part-0.parquet')).toBe(true);
      expect(excluded(zone, 'sales_order/run_id=x_$folder$')).toBe(true);
    }
  });

  it('crawl only folders added since the last crawl, with the schema change policy Glue requires for that, keeping tables when objects expire', () => {
    for (const zone of ZONES) {
      const c = ZONE_CRAWLERS[zone];
      expect(c.zone).toBe(zone);
      expect(c.recrawlBehavior).toBe('CRAWL_NEW_FOLDERS_ONLY');
      expect(c.schemaChangePolicy).toEqual({ updateBehavior: 'LOG', deleteBehavior: 'LOG' });
      expect(crawlerProblems(c)).toEqual([]);
    }
  });

  it('report a definition Glue would refuse: incremental crawls that update or delete in the catalog', () => {
    const bad = {
      ...ZONE_CRAWLERS.raw,
      schemaChangePolicy: { updateBehavior: 'UPDATE_IN_DATABASE', deleteBehavior: 'LOG' },
    } as const;
    expect(crawlerProblems(bad)).toEqual([
      expect.stringMatching(/^raw: CRAWL_NEW_FOLDERS_ONLY needs schemaChangePolicy LOG\/LOG/),
    ]);
    expect(crawlerProblems({ ...bad, recrawlBehavior: 'CRAWL_EVERYTHING' })).toEqual([]);
  });

  it('give Glue partitions that inherit the table schema, combined compatible schemas and tables at the bucket’s top level', () => {
    expect(JSON.parse(crawlerConfigurationJson(ZONE_CRAWLERS.cleaned))).toEqual({
      Version: 1,
      CrawlerOutput: { Partitions: { AddOrUpdateBehavior: 'InheritFromTable' } },
      Grouping: { TableGroupingPolicy: 'CombineCompatibleSchemas', TableLevelConfiguration: 2 },
    });
  });
});
