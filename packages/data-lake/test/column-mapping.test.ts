import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ColumnMappingError, loadColumnMapping, parseColumnMapping } from '@glue-cd/data-lake';
import { MAPPING_FILE, columnValues, makeTempDir, readSampleCsv } from './sample';

const column = (overrides: Record<string, unknown> = {}) => ({
  source: 'fare_amount',
  target: 'fare_amount',
  type: 'double',
  required: true,
  ...overrides,
});

describe('the nyc-taxi column mapping (glue-jobs/nyc-taxi/mapping.json)', () => {
  it('is valid and maps every column of the real sample, each source once', async () => {
    const mapping = await loadColumnMapping(MAPPING_FILE);
    const sample = await readSampleCsv();
    expect(mapping.columns.map((entry) => entry.source).sort()).toEqual([...sample.header].sort());
  });

  it('marks a column required exactly when the sample fills it in every record', async () => {
    const mapping = await loadColumnMapping(MAPPING_FILE);
    const sample = await readSampleCsv();
    for (const entry of mapping.columns) {
      const alwaysFilled = columnValues(sample, entry.source).every((value) => value.trim() !== '');
      expect({ source: entry.source, required: entry.required }).toEqual({
        source: entry.source,
        required: alwaysFilled,
      });
    }
  });
});

describe('parseColumnMapping', () => {
  it('accepts every supported type, including decimal(p,s)', () => {
    const types = [
      'string',
      'int',
      'bigint',
      'double',
      'boolean',
      'date',
      'timestamp',
      'decimal(10,2)',
      'decimal(38,0)',
    ];
    const mapping = parseColumnMapping({
      columns: types.map((type, index) => column({ source: `c${index}`, target: `t${index}`, type })),
    });
    expect(mapping.columns.map((entry) => entry.type)).toEqual(types);
  });

  it.each([
    [
      'an unknown type',
      { columns: [column({ type: 'float' })] },
      /columns\[0\] \(column "fare_amount"\)\.type: must be one of/,
    ],
    [
      'a decimal wider than 38 digits',
      { columns: [column({ type: 'decimal(40,2)' })] },
      /columns\[0\] \(column "fare_amount"\)\.type/,
    ],
    [
      'a scale above the precision',
      { columns: [column({ type: 'decimal(4,6)' })] },
      /columns\[0\] \(column "fare_amount"\)\.type/,
    ],
    [
      'a missing required flag',
      { columns: [column({ required: undefined })] },
      /columns\[0\] \(column "fare_amount"\)\.required/,
    ],
    [
      'a target that is not a plain name',
      { columns: [column({ target: 'fare amount' })] },
      /columns\[0\] \(column "fare_amount"\)\.target: must be a plain column name/,
    ],
    ['an unknown key', { columns: [column({ nullable: true })] }, /columns\[0\] \(column "fare_amount"\)/],
    [
      'a duplicate target (case-insensitive)',
      { columns: [column(), column({ source: 'total_amount', target: 'FARE_AMOUNT' })] },
      /columns\[1\] \(column "total_amount"\)\.target: duplicate target column "FARE_AMOUNT" \(also columns\[0\]\)/,
    ],
    [
      'a source mapped twice',
      { columns: [column(), column({ target: 'fare2' })] },
      /columns\[1\].*source column "fare_amount" is mapped twice/,
    ],
    ['no columns', { columns: [] }, /columns: must map at least one column/],
  ])('refuses %s, naming the column and field', (_case, input, message) => {
    expect(() => parseColumnMapping(input)).toThrow(ColumnMappingError);
    expect(() => parseColumnMapping(input)).toThrow(message);
  });
});

describe('loadColumnMapping', () => {
  it('names the file when it is not JSON', async () => {
    const file = join(await makeTempDir('mapping'), 'mapping.json');
    await writeFile(file, '{ "columns": [');
    await expect(loadColumnMapping(file)).rejects.toThrow(`Column mapping ${file} is not valid JSON`);
  });

  it('names the file when it is missing', async () => {
    await expect(loadColumnMapping('/nonexistent/mapping.json')).rejects.toThrow(
      'Cannot read column mapping /nonexistent/mapping.json',
    );
  });
});
