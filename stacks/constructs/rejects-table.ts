/**
 * The Glue table `_rejects` of the cleaned zone's database: every reject
 * record (jobs/lib/definition/rejects.ts), of the ingest stage (JSON Lines)
 * and the cleaned stage (gzip JSON written by the rejects CTAS), under the
 * cleaned bucket's `_rejects/` prefix. The cleaned crawler excludes that
 * prefix (crawlers/zone-crawlers.ts), so the table is declared here with
 * its columns instead of being inferred. It has no partitions: each record
 * carries its run id and table, and Athena reads every object under an
 * unpartitioned table's location, subfolders included (Athena user guide,
 * "Specify a table location in Amazon S3"). The record's `table` key is the
 * column `table_name` (OpenX JSON SerDe `mapping.*` property), as in the
 * local catalog's view. Query: `select * from "<cleaned database>"."_rejects"`.
 */
import { GlueCatalogTable } from '@cdktf/provider-aws/lib/glue-catalog-table';
import { Construct } from 'constructs';
import { REJECT_RECORD_COLUMNS, REJECTS_LOCATION, REJECTS_TABLE, REJECTS_TABLE_COLUMNS } from '../../jobs/lib/definition/rejects';

export interface RejectsTableProps {
  /** The cleaned zone's Glue database. */
  databaseName: string;
  /** The cleaned zone's bucket. */
  bucketName: string;
}

/** Glue column type of each reject record column type. */
const GLUE_TYPE = { varchar: 'string', integer: 'int' } as const;

/** The `_rejects` table of the cleaned zone (module comment). */
export class RejectsTable extends Construct {
  readonly table: GlueCatalogTable;

  constructor(scope: Construct, id: string, props: RejectsTableProps) {
    super(scope, id);
    // Keys of the JSON record that differ from their column name.
    const mappings = Object.fromEntries(
      REJECTS_TABLE_COLUMNS.flatMap((c, i) =>
        c.name === REJECT_RECORD_COLUMNS[i].name ? [] : [[`mapping.${c.name}`, REJECT_RECORD_COLUMNS[i].name]],
      ),
    );
    this.table = new GlueCatalogTable(this, 'table', {
      name: REJECTS_TABLE,
      databaseName: props.databaseName,
      description: 'Every rejected row of every run (ingest and cleaned stages) with its reason and original text',
      tableType: 'EXTERNAL_TABLE',
      parameters: { classification: 'json', EXTERNAL: 'TRUE' },
      storageDescriptor: {
        location: `s3://${props.bucketName}/${REJECTS_LOCATION}`,
        inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        serDeInfo: {
          serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
          parameters: { ...mappings, 'case.insensitive': 'TRUE' },
        },
        columns: REJECTS_TABLE_COLUMNS.map((c) => ({ name: c.name, type: GLUE_TYPE[c.type] })),
      },
    });
  }
}
