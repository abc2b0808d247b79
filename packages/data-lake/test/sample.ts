import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
// The repository's copy of the shared TLC sample (glue-jobs/nyc-taxi/sample/SOURCE.md): present in every clone.
export const SAMPLE_FILE = resolve(
  REPO_ROOT,
  'glue-jobs',
  'nyc-taxi',
  'sample',
  'yellow_tripdata_7500_lines_sample_2019-01.csv',
);
export const MAPPING_FILE = resolve(REPO_ROOT, 'glue-jobs', 'nyc-taxi', 'mapping.json');

export { makeTempDir } from '../../../test/support/temp-dirs';

/** Copies the sample into `<dir>/<folder>/` and returns the folder. */
export const copySampleInto = async (dir: string, folder = 'yellow_tripdata'): Promise<string> => {
  const target = join(dir, folder);
  await mkdir(target, { recursive: true });
  await copyFile(SAMPLE_FILE, join(target, 'sample.csv'));
  return target;
};

export interface SampleCsv {
  header: string[];
  rows: string[][];
}

/**
 * The sample parsed the simplest possible way, independently of the engine: it has no quotes (asserted), so a
 * record is a non-empty line and fields split on commas.
 */
export const readSampleCsv = async (): Promise<SampleCsv> => {
  const text = await readFile(SAMPLE_FILE, 'utf8');
  if (text.includes('"')) throw new Error('sample has quotes; the simple parser in the tests no longer applies');
  const [headerLine, ...lines] = text.split(/\r\n|\n|\r/).filter((line) => line.length > 0);
  if (!headerLine) throw new Error('sample is empty');
  return { header: headerLine.split(','), rows: lines.map((line) => line.split(',')) };
};

export const columnValues = (sample: SampleCsv, column: string): string[] => {
  const index = sample.header.indexOf(column);
  if (index < 0) throw new Error(`sample has no column ${column}`);
  return sample.rows.map((row) => row[index] ?? '');
};
