/**
 * Reconcile's comparison on Athena (core/reconcile-comparison.ts): the
 * scratch key file of a table (`_reconcile/<run>/<table>/keys.tsv` in the raw
 * bucket, headerless, `<key>\t<row text>` per line) becomes readable as a
 * temporary external table `tmp_reconcile_<table>_<run>` in the cleaned
 * zone's database, created with Athena DDL before the comparison and dropped
 * after it (dropping an external table leaves its files; reconcile deletes
 * the scratch file itself).
 *
 * The table is `ROW FORMAT DELIMITED FIELDS TERMINATED BY '\t'`, so Athena
 * reads it with the LazySimpleSerDe, its default for TSV (Athena user guide,
 * "Lazy Simple SerDe for CSV, TSV, and custom-delimited files",
 * https://docs.aws.amazon.com/athena/latest/ug/lazy-simple-serde.html): the
 * keys are integers and the row texts as COPY writes them, with every tab,
 * newline and backslash of a value escaped (core/row-text.ts); with no
 * escape character declared, the SerDe keeps those escapes as they are, and
 * the comparison escapes the lake's text the same way. Its LOCATION is the table's scratch folder, which
 * holds only that file (an Athena table reads every file under its location).
 * DDL names are backquoted (Athena user guide, "Names for tables, databases,
 * and columns"); the SELECTs name the table with double quotes.
 */
import { TerminalError } from '../../core/errors';
import { assertIdentifier, quoteIdent, quoteLiteral } from '../../core/identifiers';
import type { KeyRelation, ReconcileComparison } from '../../core/reconcile-comparison';
import { assertRunId } from '../../core/run-id';
import { RECONCILE_KEY_TABLE_PREFIX } from '../../definition/object-keys';
import type { Zone } from '../../definition/zones';

/** What the comparison needs of the Athena engine: ad-hoc statements and its table names. */
export interface AthenaStatements {
  query(sql: string): Promise<Record<string, unknown>[]>;
  relation(zone: Zone, table: string): string;
}

/** A Glue database or table name as Athena DDL accepts it unquoted-safe: lower case, digits, `_`. */
const DDL_NAME = /^[a-z0-9_]{1,255}$/;

function ddlName(name: string): string {
  if (!DDL_NAME.test(name)) throw new TerminalError(`not a Glue name Athena DDL accepts: ${JSON.stringify(name)}`);
  return `\`${name}\``;
}

/** The temporary key table of `table` in run `runId`. @throws TypeError / TerminalError on a bad table name or run id */
export function keyTableName(table: string, runId: string): string {
  return `${RECONCILE_KEY_TABLE_PREFIX}${assertIdentifier(table)}_${assertRunId(runId)}`;
}

/**
 * The DDL creating the key table over `location` (an `s3://…/` folder).
 * @throws TerminalError on a bad database name or a location that is not an s3 folder
 */
export function createKeyTableSql(database: string, name: string, location: string): string {
  if (!/^s3:\/\/[^'\\]+\/$/.test(location)) throw new TerminalError(`not an S3 folder: ${JSON.stringify(location)}`);
  return [
    `create external table ${ddlName(database)}.${ddlName(name)} (k string, row_text string)`,
    "row format delimited fields terminated by '\\t'",
    'stored as textfile',
    `location ${quoteLiteral(location)}`,
  ].join('\n');
}

/** The DDL dropping the key table (no error when it is gone). */
export function dropKeyTableSql(database: string, name: string): string {
  return `drop table if exists ${ddlName(database)}.${ddlName(name)}`;
}

/** ReconcileComparison in Athena's dialect, its key tables in the cleaned database (module comment). */
export class AthenaReconcileComparison implements ReconcileComparison {
  readonly dialect = 'athena' as const;

  /**
   * @param athena    the query engine (AthenaQueryEngine) the comparison runs on
   * @param rawUri    `s3://<raw bucket>/<key>` of a raw-zone key (S3ObjectStore.uri)
   * @param database  the cleaned zone's Glue database, where the key tables are made
   */
  constructor(
    private readonly athena: AthenaStatements,
    private readonly rawUri: (key: string) => string,
    private readonly database: string,
  ) {}

  relation = (zone: Zone, table: string): string => this.athena.relation(zone, table);

  /**
   * Creates the key table over `folder` (dropping a leftover of the same name
   * first), returns its name and a release that drops it.
   * @throws TerminalError on a bad name; the engine's errors for a refused DDL
   */
  async keys(folder: string, _key: string, table: string, runId: string): Promise<KeyRelation> {
    const name = keyTableName(table, runId);
    await this.athena.query(dropKeyTableSql(this.database, name));
    await this.athena.query(createKeyTableSql(this.database, name, this.rawUri(folder)));
    return {
      sql: `${quoteIdent(this.database)}.${quoteIdent(name)}`,
      release: async () => {
        await this.athena.query(dropKeyTableSql(this.database, name));
      },
    };
  }
}
