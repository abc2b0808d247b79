import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadColumnMapping } from '@glue-cd/data-lake';
import { LiveTestConfigurationError, loadValidationRules, parseValidationRules } from '@glue-cd/live-test';
import { MAPPING_FILE, VALIDATION_FILE, makeTempDir, readSample, sampleColumn } from './fixtures';

const dataset = { rawPrefix: 'raw/', dataLakePrefix: 'lake/', rejectsPrefix: 'rejects/', table: 'trips' };

describe('glue-jobs/nyc-taxi/validation.yaml', () => {
  it('requires completeness of exactly the mapping’s required target columns', async () => {
    const [validation, mapping] = await Promise.all([
      loadValidationRules(VALIDATION_FILE),
      loadColumnMapping(MAPPING_FILE),
    ]);
    expect([...validation.requiredColumnsComplete].sort()).toEqual(
      mapping.columns
        .filter((column) => column.required)
        .map((column) => column.target)
        .sort(),
    );
  });

  it('checks ranges only on numeric target columns, with bounds the real sample satisfies', async () => {
    const [validation, mapping, sample] = await Promise.all([
      loadValidationRules(VALIDATION_FILE),
      loadColumnMapping(MAPPING_FILE),
      readSample(),
    ]);
    for (const rule of validation.valueRanges) {
      const column = mapping.columns.find((candidate) => candidate.target === rule.column);
      expect(column?.type).toMatch(/^(int|bigint|double|decimal\(\d+,\d+\))$/);
      const values = sampleColumn(sample, column?.source ?? '')
        .filter((value) => value !== '')
        .map(Number);
      expect({
        column: rule.column,
        below: values.filter((value) => rule.min !== undefined && value < rule.min).length,
      }).toEqual({ column: rule.column, below: 0 });
      expect({
        column: rule.column,
        above: values.filter((value) => rule.max !== undefined && value > rule.max).length,
      }).toEqual({ column: rule.column, above: 0 });
    }
  });

  it('follows the S3 layout of the glue-etl stack', async () => {
    expect((await loadValidationRules(VALIDATION_FILE)).dataset).toEqual({
      rawPrefix: 'nyc-taxi/yellow_tripdata/',
      dataLakePrefix: 'nyc-taxi/yellow_tripdata/',
      rejectsPrefix: 'rejects/nyc-taxi/yellow_tripdata/',
      table: 'yellow_tripdata',
    });
  });
});

describe('parseValidationRules', () => {
  it('defaults maxRejected to 0 and the rule lists to empty', () => {
    expect(parseValidationRules({ dataset })).toEqual({
      dataset,
      recordCount: { maxRejected: 0 },
      requiredColumnsComplete: [],
      valueRanges: [],
    });
  });

  it.each([
    [
      'min above max',
      { dataset, valueRanges: [{ column: 'fare', min: 10, max: 1 }] },
      'valueRanges[0]: min must not exceed max',
    ],
    [
      'a range without bounds',
      { dataset, valueRanges: [{ column: 'fare' }] },
      'valueRanges[0]: needs min, max or both',
    ],
    ['a negative maxRejected', { dataset, recordCount: { maxRejected: -1 } }, 'recordCount.maxRejected'],
    [
      'a prefix without a trailing slash',
      { dataset: { ...dataset, rawPrefix: 'raw' } },
      'dataset.rawPrefix: must be a key prefix ending in "/"',
    ],
    ['an unknown rule', { dataset, uniqueColumns: ['id'] }, 'uniqueColumns'],
    ['no dataset', {}, 'dataset'],
  ])('refuses %s, naming the field', (_case, input, message) => {
    expect(() => parseValidationRules(input)).toThrow(LiveTestConfigurationError);
    expect(() => parseValidationRules(input)).toThrow(message);
  });

  it('names the file when the YAML is broken', async () => {
    const file = join(await makeTempDir('validation'), 'validation.yaml');
    await writeFile(file, 'dataset: [unclosed\n');
    await expect(loadValidationRules(file)).rejects.toThrow(`Validation rules ${file} are not valid YAML`);
  });
});
