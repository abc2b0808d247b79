import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { loadColumnMapping } from '@glue-cd/data-lake';
import {
  createLocalBackend,
  formatLiveTestReport,
  glueDefinitionsFromResources,
  loadValidationRules,
  runLiveTest,
  type LiveTestReport,
  type ValidationRules,
} from '@glue-cd/live-test';
import {
  MAPPING_FILE,
  SAMPLE_FILE,
  VALIDATION_FILE,
  deployedResources,
  folderResolver,
  makeTempDir,
  outputs,
  readSample,
  sampleColumn,
  uploadJobFiles,
} from './fixtures';

/** A fresh local environment: a folder per bucket, the job files uploaded, the catalog in its own state folder. */
const runLocally = async (
  validation: ValidationRules,
  mappingFile = MAPPING_FILE,
  arrange: (s3Root: string) => Promise<void> = async () => {},
): Promise<{ report: LiveTestReport; s3Root: string }> => {
  const dir = await makeTempDir('live-test');
  const s3Root = join(dir, 's3');
  await uploadJobFiles(s3Root, mappingFile);
  await arrange(s3Root);
  const backend = createLocalBackend({
    stateDir: join(dir, 'state'),
    resolveS3Url: folderResolver(s3Root),
    definitions: glueDefinitionsFromResources(deployedResources()),
  });
  return { report: await runLiveTest({ backend, outputs, validation, seed: { sampleFile: SAMPLE_FILE } }), s3Root };
};

const checkNamed = (report: LiveTestReport, rule: string) => {
  const check = report.checks.find((candidate) => candidate.rule === rule);
  if (!check) throw new Error(`no check ${rule} in ${report.checks.map((candidate) => candidate.rule).join(', ')}`);
  return check;
};

describe('runLiveTest with the local backend on the real sample', () => {
  it('passes every check of glue-jobs/nyc-taxi/validation.yaml, with counts matching an independent count', async () => {
    const validation = await loadValidationRules(VALIDATION_FILE);
    const sample = await readSample();

    const { report } = await runLocally(validation);

    expect(report.counts).toEqual({
      seeded: sample.rows.length,
      raw: sample.rows.length,
      transformed: sample.rows.length,
      rejected: 0,
    });
    expect(report.checks.filter((check) => !check.passed)).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.checks.map((check) => check.rule)).toEqual([
      'seededRecordsCrawled',
      'recordCount',
      'requiredColumnsComplete',
      ...validation.valueRanges.map(
        (rule) => `valueRange ${rule.column} [${rule.min ?? '-inf'}, ${rule.max ?? '+inf'}]`,
      ),
    ]);
    expect(checkNamed(report, 'recordCount').detail).toBe(
      `raw ${sample.rows.length} = transformed ${sample.rows.length} + rejected 0; rejected 0 <= maxRejected 0`,
    );
    expect(report.seededObject).toBe(
      `s3://${outputs.RawBucketName}/nyc-taxi/yellow_tripdata/yellow_tripdata_7500_lines_sample_2019-01.csv`,
    );
  });

  it('fails a stricter valueRange rule, naming the rule and the numbers', async () => {
    const validation = await loadValidationRules(VALIDATION_FILE);
    const stricter: ValidationRules = { ...validation, valueRanges: [{ column: 'fare_amount', min: 0, max: 100 }] };
    const sample = await readSample();
    const fares = sampleColumn(sample, 'fare_amount').map(Number);
    const outside = fares.filter((fare) => fare < 0 || fare > 100).length;
    expect(outside).toBeGreaterThan(0); // the real data has refunds and a few long fares

    const { report } = await runLocally(stricter);

    expect(report.passed).toBe(false);
    const check = checkNamed(report, 'valueRange fare_amount [0, 100]');
    expect(check).toEqual({
      rule: 'valueRange fare_amount [0, 100]',
      passed: false,
      expected: 'every fare_amount value in [0, 100]',
      actual: `${outside} of ${sample.rows.length} outside; observed min ${Math.min(...fares)}, max ${Math.max(...fares)}`,
      detail: `${outside} of ${sample.rows.length} fare_amount values outside [0, 100] (observed min ${Math.min(...fares)}, max ${Math.max(...fares)})`,
    });
    expect(formatLiveTestReport(report)).toContain(
      `[FAIL] valueRange fare_amount [0, 100]: ${outside} of ${sample.rows.length}`,
    );
    expect(formatLiveTestReport(report)).toMatch(/^Live test FAILED: 3\/4 checks passed/);
  });

  it('counts rejects from the rejects CSV: a mapping requiring an often-empty column fails recordCount with the numbers', async () => {
    const dir = await makeTempDir('strict-mapping');
    const mapping = await loadColumnMapping(MAPPING_FILE);
    const strictMapping = join(dir, 'mapping.json');
    await writeFile(
      strictMapping,
      JSON.stringify({
        columns: mapping.columns.map((column) => ({
          ...column,
          required: column.required || column.source === 'congestion_surcharge',
        })),
      }),
    );
    const validation = await loadValidationRules(VALIDATION_FILE);
    const sample = await readSample();
    const empty = sampleColumn(sample, 'congestion_surcharge').filter((value) => value === '').length;
    const kept = sample.rows.length - empty;

    const { report } = await runLocally(validation, strictMapping);

    expect(report.counts).toEqual({
      seeded: sample.rows.length,
      raw: sample.rows.length,
      transformed: kept,
      rejected: empty,
    });
    expect(checkNamed(report, 'recordCount')).toEqual({
      rule: 'recordCount',
      passed: false,
      expected: 'raw = transformed + rejected, rejected <= 0',
      actual: `raw ${sample.rows.length}, transformed ${kept}, rejected ${empty}`,
      detail:
        `raw ${sample.rows.length} = transformed ${kept} + rejected ${empty}; rejected ${empty} exceeds maxRejected 0 ` +
        `(rejects: rejects/nyc-taxi/yellow_tripdata/part-00000.csv)`,
    });
    // the data itself still satisfies the other rules
    expect(report.checks.filter((check) => !check.passed).map((check) => check.rule)).toEqual(['recordCount']);
  });

  it('fails requiredColumnsComplete for an optional column with nulls, naming the column and counts', async () => {
    const validation = await loadValidationRules(VALIDATION_FILE);
    const sample = await readSample();
    const empty = sampleColumn(sample, 'congestion_surcharge').filter((value) => value === '').length;

    const { report } = await runLocally({
      ...validation,
      requiredColumnsComplete: ['vendor_id', 'congestion_surcharge'],
      valueRanges: [],
    });

    expect(checkNamed(report, 'requiredColumnsComplete')).toEqual({
      rule: 'requiredColumnsComplete',
      passed: false,
      expected: 'no null in vendor_id, congestion_surcharge',
      actual: `congestion_surcharge: ${empty} nulls of ${sample.rows.length} records`,
      detail: `congestion_surcharge: ${empty} nulls of ${sample.rows.length} records`,
    });
  });

  it('reports a rule on a column the table lacks as failed, with the query error', async () => {
    const validation = await loadValidationRules(VALIDATION_FILE);
    const { report } = await runLocally({
      ...validation,
      requiredColumnsComplete: [],
      valueRanges: [{ column: 'tip_percent', min: 0 }],
    });
    const check = checkNamed(report, 'valueRange tip_percent [0, +inf]');
    expect(check.passed).toBe(false);
    expect(check.detail).toMatch(/^could not evaluate: .*tip_percent/);
    expect(check).toMatchObject({ expected: 'every tip_percent value in [0, +inf]', actual: check.detail });
  });

  it('fails seededRecordsCrawled when the raw table holds more than was seeded (an earlier run left its file)', async () => {
    const validation = await loadValidationRules(VALIDATION_FILE);
    const sample = await readSample();
    const seeded = sample.rows.length;
    const leftover = `s3://${outputs.RawBucketName}/nyc-taxi/yellow_tripdata/yellow_tripdata_earlier_run.csv`;

    const { report } = await runLocally(validation, MAPPING_FILE, async (s3Root) => {
      const file = folderResolver(s3Root)(leftover);
      await mkdir(dirname(file), { recursive: true });
      await copyFile(SAMPLE_FILE, file);
    });

    expect(report.passed).toBe(false);
    expect(report.counts).toEqual({ seeded, raw: 2 * seeded, transformed: 2 * seeded, rejected: 0 });
    expect(checkNamed(report, 'seededRecordsCrawled')).toEqual({
      rule: 'seededRecordsCrawled',
      passed: false,
      expected: `${seeded} records (the seeded sample)`,
      actual: `${2 * seeded} records in ${outputs.RawDatabaseName}.yellow_tripdata`,
      detail: `raw table ${outputs.RawDatabaseName}.yellow_tripdata holds ${2 * seeded} records; the seeded sample ${report.seededObject} holds ${seeded}`,
    });
    // Everything that was crawled was transformed: only the seeding check notices.
    expect(report.checks.filter((check) => !check.passed).map((check) => check.rule)).toEqual(['seededRecordsCrawled']);
    expect(formatLiveTestReport(report)).toContain(`[FAIL] seededRecordsCrawled: raw table`);
  });
});
