import { GetPartitionsCommand, GetTablesCommand, GlueClient, StartCrawlerCommand } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { TerminalError, TransientError } from '../../../jobs/lib/core/errors';
import { GlueCatalog } from '../../../jobs/lib/adapters/aws/glue-catalog';
import { awsError } from './helpers';

const glue = mockClient(GlueClient);
const names = {
  crawlers: { raw: 'lakehouse-raw', cleaned: 'lakehouse-cleaned', transformed: 'lakehouse-transformed' },
  databases: { raw: 'lakehouse_raw', cleaned: 'lakehouse_cleaned', transformed: 'lakehouse_transformed' },
};
const catalog = () => new GlueCatalog(new GlueClient({ region: 'eu-west-2' }), names);

beforeEach(() => glue.reset());

describe('GlueCatalog', () => {
  it("starts the zone's crawler", async () => {
    glue.on(StartCrawlerCommand).resolves({});
    expect(await catalog().crawl('cleaned')).toBe('started');
    expect(glue.commandCalls(StartCrawlerCommand)[0].args[0].input).toEqual({ Name: 'lakehouse-cleaned' });
  });

  it('treats a crawler already running as not an error', async () => {
    glue
      .on(StartCrawlerCommand)
      .rejects(awsError('CrawlerRunningException', 400, 'Crawler with name lakehouse-raw has already started'));
    expect(await catalog().crawl('raw')).toBe('already-running');
  });

  it('classifies other failures', async () => {
    glue
      .on(StartCrawlerCommand)
      .rejectsOnce(awsError('EntityNotFoundException', 400))
      .rejectsOnce(awsError('ThrottlingException', 400));
    await expect(catalog().crawl('raw')).rejects.toBeInstanceOf(TerminalError);
    await expect(catalog().crawl('raw')).rejects.toBeInstanceOf(TransientError);
  });

  it('lists tables and run_id partitions over every page', async () => {
    glue
      .on(GetTablesCommand)
      .resolvesOnce({
        NextToken: 'p2',
        TableList: [
          {
            Name: 'sales_order',
            DatabaseName: 'lakehouse_cleaned',
            StorageDescriptor: {
              Columns: [
                { Name: 'sales_order_id', Type: 'int' },
                { Name: 'unit_price', Type: 'decimal(10,2)' },
              ],
            },
            PartitionKeys: [{ Name: 'run_id', Type: 'string' }],
          },
        ],
      })
      .resolvesOnce({
        TableList: [
          {
            Name: 'address',
            DatabaseName: 'lakehouse_cleaned',
            StorageDescriptor: { Columns: [{ Name: 'address_id', Type: 'int' }] },
          },
        ],
      });
    glue
      .on(GetPartitionsCommand)
      .resolvesOnce({ NextToken: 'q2', Partitions: [{ Values: ['20250225t140000z'] }] })
      .resolvesOnce({ Partitions: [{ Values: ['20250225t132609z'] }] });
    const tables = await catalog().tables('cleaned');
    expect(tables).toEqual([
      { zone: 'cleaned', name: 'address', columns: [{ name: 'address_id', type: 'int' }], partitions: [] },
      {
        zone: 'cleaned',
        name: 'sales_order',
        columns: [
          { name: 'sales_order_id', type: 'int' },
          { name: 'unit_price', type: 'decimal(10,2)' },
          { name: 'run_id', type: 'string' },
        ],
        partitions: ['20250225t132609z', '20250225t140000z'],
      },
    ]);
    expect(glue.commandCalls(GetTablesCommand).map((c) => c.args[0].input)).toEqual([
      { DatabaseName: 'lakehouse_cleaned', NextToken: undefined },
      { DatabaseName: 'lakehouse_cleaned', NextToken: 'p2' },
    ]);
    expect(glue.commandCalls(GetPartitionsCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'q2']);
  });

  it('lists table names over every page, without asking for partitions', async () => {
    glue
      .on(GetTablesCommand)
      .resolvesOnce({ NextToken: 'p2', TableList: [{ Name: 'sales_order' }, { Name: 'address' }] })
      .resolvesOnce({ NextToken: 'p3', TableList: [] })
      .resolvesOnce({ TableList: [{ Name: 'currency', PartitionKeys: [{ Name: 'run_id', Type: 'string' }] }] });
    expect(await catalog().tableNames('raw')).toEqual(new Set(['sales_order', 'address', 'currency']));
    expect(glue.commandCalls(GetTablesCommand).map((c) => c.args[0].input)).toEqual([
      { DatabaseName: 'lakehouse_raw', NextToken: undefined },
      { DatabaseName: 'lakehouse_raw', NextToken: 'p2' },
      { DatabaseName: 'lakehouse_raw', NextToken: 'p3' },
    ]);
    expect(glue.commandCalls(GetPartitionsCommand)).toHaveLength(0);
  });

  it('classifies table-name lookup failures and needs the databases', async () => {
    glue
      .on(GetTablesCommand)
      .rejectsOnce(awsError('ThrottlingException', 400))
      .rejectsOnce(awsError('EntityNotFoundException', 400));
    await expect(catalog().tableNames('cleaned')).rejects.toBeInstanceOf(TransientError);
    await expect(catalog().tableNames('cleaned')).rejects.toBeInstanceOf(TerminalError);
    const noDatabases = new GlueCatalog(new GlueClient({ region: 'eu-west-2' }), { crawlers: names.crawlers });
    await expect(noDatabases.tableNames('raw')).rejects.toThrow(/without the zone databases/);
  });
});
