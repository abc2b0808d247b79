import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  ColumnMappingError,
  DataSourceError,
  REJECT_REASON_COLUMN,
  countCsvRecords,
  loadColumnMapping,
  parseColumnMapping,
  runMappingJob,
  type ColumnMapping,
} from '@glue-cd/data-lake';
import { MAPPING_FILE, columnValues, copySampleInto, makeTempDir, readSampleCsv } from './sample';

/** Reads a Parquet file back with its own DuckDB instance (independent of the job's connection). */
const readParquet = async (file: string, sql: string): Promise<Record<string, unknown>[]> => {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql.replace('$file', `read_parquet('${file}')`));
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
};

const parquetFileIn = async (folder: string): Promise<string> => {
  const files = (await readdir(folder)).filter((name) => name.endsWith('.parquet'));
  expect(files).toHaveLength(1);
  return join(folder, files[0] ?? '');
};

const setUp = async (prefix: string) => {
  const dir = await makeTempDir(prefix);
  return {
    dir,
    source: await copySampleInto(dir, 'raw'),
    target: join(dir, 'lake', 'yellow_tripdata'),
    rejects: join(dir, 'rejects'),
  };
};

describe('runMappingJob on the real sample with the real mapping', () => {
  it('writes every record as typed Parquet; rejects only rows that break the mapping', async () => {
    const { source, target, rejects } = await setUp('job-real');
    const mapping = await loadColumnMapping(MAPPING_FILE);
    const sample = await readSampleCsv();
    // Each required column read once: reading it again per row made this test quadratic (~10 CPU-s).
    const requiredColumns = mapping.columns
      .filter((column) => column.required)
      .map((column) => columnValues(sample, column.source));
    const expectedRejects = sample.rows.filter((_row, index) =>
      requiredColumns.some((values) => values[index]?.trim() === ''),
    ).length;

    const result = await runMappingJob({ sourcePath: source, targetPath: target, rejectsPath: rejects, mapping });

    expect(result).toMatchObject({
      rawRecords: sample.rows.length,
      transformedRecords: sample.rows.length - expectedRejects,
      rejectedRecords: expectedRejects,
    });
    const file = await parquetFileIn(target);
    const [written] = await readParquet(
      file,
      'SELECT count(*)::INTEGER AS records, count(congestion_surcharge)::INTEGER AS surcharges FROM $file',
    );
    const filledSurcharges = columnValues(sample, 'congestion_surcharge').filter((value) => value !== '').length;
    expect(written).toEqual({ records: sample.rows.length - expectedRejects, surcharges: filledSurcharges });

    const schema = await readParquet(file, 'DESCRIBE SELECT * FROM $file');
    const typeOf = (name: string) => schema.find((row) => row.column_name === name)?.column_type;
    expect(schema.map((row) => row.column_name)).toEqual(mapping.columns.map((column) => column.target));
    expect([
      typeOf('vendor_id'),
      typeOf('pickup_datetime'),
      typeOf('trip_distance'),
      typeOf('store_and_fwd_flag'),
      typeOf('fare_amount'),
    ]).toEqual(['INTEGER', 'TIMESTAMP', 'DOUBLE', 'BOOLEAN', 'DECIMAL(10,2)']);
    // values survive the casts: total fares and the Y flags match the CSV
    const fareCents = columnValues(sample, 'fare_amount').reduce(
      (sum, value) => sum + Math.round(Number(value) * 100),
      0,
    );
    const storedFlags = columnValues(sample, 'store_and_fwd_flag').filter((value) => value === 'Y').length;
    const [totals] = await readParquet(
      file,
      'SELECT (sum(fare_amount) * 100)::BIGINT AS cents, count_if(store_and_fwd_flag)::INTEGER AS flags FROM $file',
    );
    expect(totals).toEqual({ cents: BigInt(fareCents), flags: storedFlags });
  });

  it('counts rows whose required column is empty as rejects with a reason, never drops them', async () => {
    const { source, target, rejects } = await setUp('job-required');
    const real = await loadColumnMapping(MAPPING_FILE);
    const strict: ColumnMapping = {
      columns: real.columns.map((column) =>
        column.source === 'congestion_surcharge' ? { ...column, required: true } : column,
      ),
    };
    const sample = await readSampleCsv();
    const emptySurcharges = columnValues(sample, 'congestion_surcharge').filter((value) => value.trim() === '').length;
    expect(emptySurcharges).toBeGreaterThan(0); // the real data has them (the surcharge began 2019-02-01)

    const result = await runMappingJob({
      sourcePath: source,
      targetPath: target,
      rejectsPath: rejects,
      mapping: strict,
    });

    expect(result.rawRecords).toBe(sample.rows.length);
    expect(result.rejectedRecords).toBe(emptySurcharges);
    expect(result.transformedRecords).toBe(sample.rows.length - emptySurcharges);
    expect(result.rejectsByReason).toEqual({ 'congestion_surcharge: required value is empty': emptySurcharges });
    const rejectsText = await readFile(result.rejectsFiles[0] ?? '', 'utf8');
    expect(countCsvRecords(rejectsText)).toBe(emptySurcharges);
    expect(rejectsText.split('\n')[0]).toBe([...sample.header, REJECT_REASON_COLUMN].join(','));
  });

  it('replaces its output on a rerun instead of appending', async () => {
    const { source, target, rejects } = await setUp('job-rerun');
    const mapping = await loadColumnMapping(MAPPING_FILE);
    const first = await runMappingJob({ sourcePath: source, targetPath: target, rejectsPath: rejects, mapping });
    const second = await runMappingJob({ sourcePath: source, targetPath: target, rejectsPath: rejects, mapping });
    expect(second).toEqual(first);
    const [written] = await readParquet(await parquetFileIn(target), 'SELECT count(*)::INTEGER AS records FROM $file');
    expect(written?.records).toBe(first.transformedRecords);
  });
});

describe('runMappingJob value rules', () => {
  const mapping = parseColumnMapping({
    columns: [
      { source: 'id', target: 'id', type: 'int', required: true },
      { source: 'big', target: 'big', type: 'bigint', required: false },
      { source: 'amount', target: 'amount', type: 'decimal(6,2)', required: false },
      { source: 'ratio', target: 'ratio', type: 'double', required: false },
      { source: 'flag', target: 'flag', type: 'boolean', required: false },
      { source: 'day', target: 'day', type: 'date', required: false },
      { source: 'at', target: 'at', type: 'timestamp', required: false },
      { source: 'note', target: 'note', type: 'string', required: true },
    ],
  });
  const header = 'id,big,amount,ratio,flag,day,at,note';

  it.each([
    ['a clean row', '1,9007199254740993,12.34,1e3,Y,2019-01-31,2019-01-31 23:45:03,ok', undefined],
    ['blanks in optional columns', ' 2 ,,  ,,,,,ok', undefined],
    ['padding spaces around values', ' 3 , 4 , 5.5 , .5 , no , 2019-01-01 , 2019-01-01T00:00:00 ,ok', undefined],
    ['an empty required int', ',,,,,,,ok', 'id: required value is empty'],
    ['a blank required string', '4,,,,,,,   ', 'note: required value is empty'],
    ['a fractional int', '1.5,,,,,,,ok', 'id: cannot cast to int'],
    ['an int overflow', '2147483648,,,,,,,ok', 'id: cannot cast to int'],
    ['a word in a bigint', '5,abc,,,,,,ok', 'big: cannot cast to bigint'],
    ['a decimal beyond its precision', '6,,12345.6,,,,,ok', 'amount: cannot cast to decimal(6,2)'],
    ['NaN in a double', '7,,,NaN,,,,ok', 'ratio: cannot cast to double'],
    ['an unknown boolean', '8,,,,maybe,,,ok', 'flag: cannot cast to boolean'],
    ['a date that is not in the calendar', '9,,,,,2019-02-30,,ok', 'day: cannot cast to date'],
    ['a US-formatted timestamp', '10,,,,,,01/31/2019 10:00,ok', 'at: cannot cast to timestamp'],
    [
      'several violations, in mapping order',
      'x,,,,,2019-13-01,,',
      'id: cannot cast to int; day: cannot cast to date; note: required value is empty',
    ],
  ])('%s', async (_case, row, reason) => {
    const dir = await makeTempDir('job-rule');
    await writeFile(join(dir, 'input.csv'), `${header}\n${row}\n`);
    const result = await runMappingJob({
      sourcePath: join(dir, 'input.csv'),
      targetPath: join(dir, 'out'),
      rejectsPath: join(dir, 'rejects'),
      mapping,
    });
    expect(result.rawRecords).toBe(1);
    expect(result.rejectsByReason).toEqual(reason === undefined ? {} : { [reason]: 1 });
    expect([result.transformedRecords, result.rejectedRecords]).toEqual(reason === undefined ? [1, 0] : [0, 1]);
  });

  it('keeps quoted fields with commas and newlines, and counts blank lines as nothing', async () => {
    const dir = await makeTempDir('job-quotes');
    // Outside the source folder (the job reads all of it), in a temp folder of its own (not a fixed /tmp path).
    const out = await makeTempDir('job-quotes-out');
    await writeFile(join(dir, 'input.csv'), `${header}\r\n1,,,,,,,"a, b"\r\n\r\n2,,,,,,,"line1\nline2"\n`);
    const result = await runMappingJob({
      sourcePath: dir,
      targetPath: join(out, 'out-quotes'),
      rejectsPath: join(out, 'rejects-quotes'),
      mapping,
    });
    expect(result).toMatchObject({ rawRecords: 2, transformedRecords: 2, rejectedRecords: 0 });
    const notes = await readParquet(result.targetFiles[0] ?? '', 'SELECT note FROM $file ORDER BY id');
    expect(notes).toEqual([{ note: 'a, b' }, { note: 'line1\nline2' }]);
  });

  it('names mapped source columns missing from the CSV header', async () => {
    const dir = await makeTempDir('job-header');
    await writeFile(join(dir, 'input.csv'), 'id,note\n1,ok\n');
    const run = runMappingJob({
      sourcePath: join(dir, 'input.csv'),
      targetPath: join(dir, 'out'),
      rejectsPath: join(dir, 'rejects'),
      mapping,
    });
    await expect(run).rejects.toThrow(ColumnMappingError);
    await expect(
      runMappingJob({
        sourcePath: join(dir, 'input.csv'),
        targetPath: join(dir, 'out'),
        rejectsPath: join(dir, 'rejects'),
        mapping,
      }),
    ).rejects.toThrow(
      'Mapped source columns missing from the CSV header of ' +
        join(dir, 'input.csv') +
        ': big, amount, ratio, flag, day, at',
    );
  });

  it('refuses output folders that overlap the source (they are replaced on every run)', async () => {
    const dir = await makeTempDir('job-overlap');
    await writeFile(join(dir, 'input.csv'), 'id,note\n1,ok\n');
    await expect(
      runMappingJob({ sourcePath: dir, targetPath: join(dir, 'out'), rejectsPath: join(dir, '..', 'r'), mapping }),
    ).rejects.toThrow(DataSourceError);
    await expect(
      runMappingJob({
        sourcePath: join(dir, 'input.csv'),
        targetPath: join(dir, '..', 'o'),
        rejectsPath: join(dir, '..', 'o', 'r'),
        mapping,
      }),
    ).rejects.toThrow(/rejectsPath .* overlaps targetPath/);
    expect(await readFile(join(dir, 'input.csv'), 'utf8')).toBe('id,note\n1,ok\n');
  });
});
