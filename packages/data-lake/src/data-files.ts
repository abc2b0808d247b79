import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DataSourceError } from './errors';

export type DataFormat = 'csv' | 'parquet';

export interface DataFiles {
  format: DataFormat;
  files: string[];
}

/** Spark/Hadoop bookkeeping that is not data: _SUCCESS, .crc files, `<dir>_$folder$` markers. */
const isBookkeeping = (name: string): boolean =>
  name.startsWith('_') || name.startsWith('.') || name.endsWith('_$folder$');

const formatOf = (name: string): DataFormat | undefined => {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.parquet')) return 'parquet';
  return undefined;
};

const walk = async (folder: string): Promise<string[]> => {
  const entries = await readdir(folder, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .filter((entry) => !isBookkeeping(entry.name))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(async (entry) => (entry.isDirectory() ? walk(join(folder, entry.name)) : [join(folder, entry.name)])),
  );
  return nested.flat();
};

/**
 * The data files of a folder (recursively) or a single file, all of one format. Unknown or mixed formats are an
 * error naming the files, never skipped.
 */
export const listDataFiles = async (path: string): Promise<DataFiles> => {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new DataSourceError(`Data path ${path} does not exist`);
  }
  const files = info.isDirectory() ? await walk(path) : [path];
  if (files.length === 0) throw new DataSourceError(`No data files under ${path}`);
  const unknown = files.filter((file) => formatOf(basename(file)) === undefined);
  if (unknown.length > 0) {
    throw new DataSourceError(
      `Files of unknown format under ${path} (expected .csv or .parquet): ${unknown.join(', ')}`,
    );
  }
  const formats = new Set(files.map((file) => formatOf(basename(file))));
  const [format] = formats;
  if (formats.size > 1 || format === undefined) {
    throw new DataSourceError(`Mixed CSV and Parquet files under ${path}: ${files.join(', ')}`);
  }
  return { format, files };
};
