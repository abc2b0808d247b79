import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DataSourceError, loadColumnMapping, runMappingJob, type MappingJobResult } from '@glue-cd/data-lake';
import { MAPPING_FILE, SAMPLE_FILE, columnValues, makeTempDir, readSampleCsv } from './sample';

/** Every row of a Parquet file, in file order, as JSON text values (read with an instance of its own). */
const parquetRows = async (file: string): Promise<Record<string, unknown>[]> => {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRowObjectsJson();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
};

/** The sample's lines without their endings (it holds no quotes, so a line is a record). */
const sampleLines = async (): Promise<string[]> =>
  (await readFile(SAMPLE_FILE, 'utf8')).split('\n').flatMap((line) => (line === '' ? [] : [line.replace(/\r$/, '')]));

// Copies of the real TLC sample with every kind of line ending, generated at test time.
const variants: [string, (lines: string[], published: string) => string][] = [
  ['LF', (lines) => `${lines.join('\n')}\n`],
  ['CRLF', (lines) => `${lines.join('\r\n')}\r\n`],
  ['mixed: LF header, CRLF rows (the sample as published)', (_lines, published) => published],
  ['mixed: CRLF header, LF rows', ([header, ...rows]) => `${header}\r\n${rows.join('\n')}\n`],
  [
    'mixed: alternating, no ending on the last line',
    (lines) =>
      lines
        .map((line, i) => (i % 2 ? `${line}\r\n` : `${line}\n`))
        .join('')
        .replace(/\r?\n$/, ''),
  ],
  ['CRLF with blank CRLF lines', (lines) => `${lines.join('\r\n\r\n')}\r\n\r\n`],
];

describe('runMappingJob over LF, CRLF and mixed copies of the TLC sample', () => {
  const results = new Map<string, { result: MappingJobResult; rows: Record<string, unknown>[] }>();

  beforeAll(async () => {
    const dir = await makeTempDir('line-endings');
    const mapping = await loadColumnMapping(MAPPING_FILE);
    const [lines, published] = [await sampleLines(), await readFile(SAMPLE_FILE, 'utf8')];
    for (const [index, [name, build]] of variants.entries()) {
      const source = join(dir, `source-${index}.csv`);
      await writeFile(source, build(lines, published));
      const result = await runMappingJob({
        sourcePath: source,
        targetPath: join(dir, `target-${index}`),
        rejectsPath: join(dir, `rejects-${index}`),
        mapping,
      });
      results.set(name, { result, rows: await parquetRows(result.targetFiles[0] ?? '') });
    }
  }, 120_000);

  it.each(variants.map(([name]) => name))('%s: accepts every record, with no value ending in a CR', async (name) => {
    const sample = await readSampleCsv();
    const { result, rows } = results.get(name) ?? { result: undefined, rows: [] };
    expect(result).toMatchObject({
      rawRecords: 7500,
      transformedRecords: 7500,
      rejectedRecords: 0,
      rejectsByReason: {},
    });
    const emptySurcharges = columnValues(sample, 'congestion_surcharge').filter((value) => value === '').length;
    expect(emptySurcharges).toBe(4736);
    expect(rows.filter((row) => row.congestion_surcharge === null)).toHaveLength(emptySurcharges);
    expect(JSON.stringify(rows)).not.toContain('\\r');
  });

  it('writes the same rows, in the same order, whatever the line endings', () => {
    const [first, ...others] = variants.map(([name]) => results.get(name)?.rows);
    expect(first).toHaveLength(7500);
    for (const rows of others) expect(JSON.stringify(rows)).toBe(JSON.stringify(first)); // toEqual takes seconds here
  });
});

describe('runMappingJob and carriage returns that end no line', () => {
  it('refuses them, naming the file and line, before touching the output folders', async () => {
    const dir = await makeTempDir('bare-cr');
    const source = join(dir, 'input.csv');
    await writeFile(source, 'id,note\n1,ok\r2,ok\n');
    await mkdir(join(dir, 'out'));
    await writeFile(join(dir, 'out', 'part-00000.parquet'), 'previous output');
    const run = runMappingJob({
      sourcePath: source,
      targetPath: join(dir, 'out'),
      rejectsPath: join(dir, 'rejects'),
      mapping: await loadColumnMapping(MAPPING_FILE),
    });
    await expect(run).rejects.toThrow(DataSourceError);
    await expect(run).rejects.toThrow(
      `${source} line 2: a carriage return (CR) outside quotes that does not end its line`,
    );
    expect(await readFile(join(dir, 'out', 'part-00000.parquet'), 'utf8')).toBe('previous output');
  });
});
