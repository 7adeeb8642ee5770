/**
 * The data-quality results are a Glue table on AWS: the lake stack declares
 * `quality_results` in the transformed zone's database over
 * `quality/results/` of the transformed bucket, with the columns of
 * definition/quality-results.ts (the local `quality.results` has the same),
 * and the transformed crawler leaves that folder alone.
 */
import { ZONE_CRAWLERS } from '../../crawlers/zone-crawlers';
import { QUALITY_RESULT_COLUMNS, QUALITY_RESULTS_TABLE } from '../../jobs/lib/definition/quality-results';
import { keys } from '../../jobs/lib/definition/object-keys';
import { resourceNames } from '../../stacks/names';
import { fixtureConfig, nameOf, only, ref, synthesize, type Synthesized } from './support/synth';

const config = fixtureConfig();
const names = resourceNames(config);
let synth: Synthesized;
beforeAll(() => {
  synth = synthesize(config);
});
afterAll(() => synth?.cleanup());

it('declares quality_results in the transformed database over the results folder', () => {
  const lake = synth.lake;
  const table = only(lake, 'aws_glue_catalog_table', (t) => t.name === QUALITY_RESULTS_TABLE);
  const db = nameOf(lake, 'aws_glue_catalog_database', (d) => d.name === names.databases.transformed);
  expect(table.database_name).toBe(ref('aws_glue_catalog_database', db, 'name'));
  const location = `s3://${names.zoneBuckets.transformed}/quality/results/`;
  expect(table.storage_descriptor.location).toBe(location);
  // Every result file the quality gate writes is under the table's location.
  expect(`s3://${names.zoneBuckets.transformed}/${keys.qualityResults('20250225t132609z', 'cleaned')}`.startsWith(location)).toBe(
    true,
  );
  expect(table.storage_descriptor.ser_de_info.serialization_library).toBe('org.openx.data.jsonserde.JsonSerDe');
  expect(table.storage_descriptor.columns).toEqual(QUALITY_RESULT_COLUMNS.map((c) => ({ name: c.name, type: c.type })));
  expect(table.partition_keys).toBeUndefined();
});

it('keeps the transformed crawler out of the results folder', () => {
  expect(ZONE_CRAWLERS.transformed.exclusions).toContain('quality/**');
});
