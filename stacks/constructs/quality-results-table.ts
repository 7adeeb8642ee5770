/**
 * The Glue table over the data-quality results the transform writes to the
 * transformed zone (`quality/results/run_id=<run>/<zone>.jsonl`), so Athena
 * can query them: `select * from <transformed database>.quality_results`
 * (docs/architecture.md "Data quality"). JSON Lines through the OpenX JSON
 * SerDe; one unpartitioned table over every run's folder (each row carries its
 * run_id), so nothing has to register partitions.
 */
import { GlueCatalogTable } from '@cdktf/provider-aws/lib/glue-catalog-table';
import { Construct } from 'constructs';
import { QUALITY_RESULTS_PREFIX } from '../../jobs/lib/definition/object-keys';
import { QUALITY_RESULT_COLUMNS, QUALITY_RESULTS_TABLE } from '../../jobs/lib/definition/quality-results';

export interface QualityResultsTableProps {
  /** The transformed zone's Glue database name. */
  databaseName: string;
  /** The transformed zone's bucket name. */
  bucketName: string;
}

/** The `quality_results` Glue table in the transformed zone's database. */
export class QualityResultsTable extends Construct {
  readonly table: GlueCatalogTable;

  constructor(scope: Construct, id: string, props: QualityResultsTableProps) {
    super(scope, id);
    this.table = new GlueCatalogTable(this, 'table', {
      name: QUALITY_RESULTS_TABLE,
      databaseName: props.databaseName,
      description: 'lakehouse data-quality test results, one row per test per run',
      tableType: 'EXTERNAL_TABLE',
      parameters: { classification: 'json' },
      storageDescriptor: {
        location: `s3://${props.bucketName}/${QUALITY_RESULTS_PREFIX}`,
        inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        serDeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
        columns: QUALITY_RESULT_COLUMNS.map((c) => ({ name: c.name, type: c.type })),
      },
    });
  }
}
