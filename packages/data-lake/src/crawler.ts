import { open, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { CatalogColumn, CatalogTable, LocalCatalog } from './catalog';
import { listDataFiles, type DataFiles } from './data-files';
import { CSV_READ_OPTIONS, fileListLiteral, queryCount, queryRows, withDuckDb } from './duckdb';
import { DataSourceError } from './errors';

export interface CrawlInput {
  catalog: LocalCatalog;
  databaseName: string;
  /** Folder to crawl (an S3 target prefix resolved to a local folder). */
  path: string;
  tablePrefix?: string;
}

/** Glue table names are lower case; anything outside [a-z0-9_] becomes `_`. */
export const glueTableName = (folder: string, tablePrefix = ''): string =>
  `${tablePrefix}${basename(resolve(folder))}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');

/** DuckDB type -> the name a Glue crawler gives the column type. */
export const glueColumnType = (duckDbType: string): string => {
  const upper = duckDbType.toUpperCase();
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(upper);
  if (decimal) return `decimal(${decimal[1]},${decimal[2]})`;
  const names: Record<string, string> = {
    VARCHAR: 'string',
    BOOLEAN: 'boolean',
    TINYINT: 'tinyint',
    SMALLINT: 'smallint',
    INTEGER: 'int',
    BIGINT: 'bigint',
    HUGEINT: 'decimal(38,0)',
    FLOAT: 'float',
    DOUBLE: 'double',
    DATE: 'date',
    TIMESTAMP: 'timestamp',
    'TIMESTAMP WITH TIME ZONE': 'timestamp',
    TIMESTAMP_NS: 'timestamp',
    TIMESTAMP_MS: 'timestamp',
    BLOB: 'binary',
  };
  return names[upper] ?? upper.toLowerCase();
};

/** Glue column type -> DuckDB type (for typed empty views). */
export const duckDbType = (glueType: string): string => {
  const decimal = /^decimal\((\d+),(\d+)\)$/.exec(glueType);
  if (decimal) return `DECIMAL(${decimal[1]},${decimal[2]})`;
  const names: Record<string, string> = {
    string: 'VARCHAR',
    boolean: 'BOOLEAN',
    tinyint: 'TINYINT',
    smallint: 'SMALLINT',
    int: 'INTEGER',
    bigint: 'BIGINT',
    float: 'FLOAT',
    double: 'DOUBLE',
    date: 'DATE',
    timestamp: 'TIMESTAMP',
    binary: 'BLOB',
  };
  return names[glueType] ?? 'VARCHAR';
};

/** The DuckDB table function reading a set of data files. */
export const readDataFilesSql = ({ format, files }: DataFiles): string =>
  format === 'csv'
    ? `read_csv(${fileListLiteral(files)}, ${CSV_READ_OPTIONS})`
    : `read_parquet(${fileListLiteral(files)}, union_by_name = true)`;

/** What a crawl infers about one folder of data files, before anything is written to a catalog. */
export interface InferredTable {
  /** `tablePrefix` + the folder name, as a Glue crawler names the table of an S3 target. */
  name: string;
  format: DataFiles['format'];
  columns: CatalogColumn[];
  recordCount: number;
  files: string[];
  /** Total size of the data files in bytes. */
  sizeBytes: number;
  /** CSV only: whether the files use `"` quoting (a Glue crawler then picks OpenCSVSerde). */
  quoted: boolean;
}

// How much of each CSV file is searched for quote characters.
const QUOTE_SNIFF_BYTES = 64 * 1024;

const usesQuotes = async (files: readonly string[]): Promise<boolean> => {
  for (const file of files) {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(QUOTE_SNIFF_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, QUOTE_SNIFF_BYTES, 0);
      if (buffer.subarray(0, bytesRead).includes(0x22)) return true;
    } finally {
      await handle.close();
    }
  }
  return false;
};

/**
 * Infers one table from the files under a folder, like a Glue crawler with an S3 target: the table is named after
 * the folder, columns and types come from the CSV header / Parquet schema, and the exact record count is counted.
 */
export const inferTable = async (path: string, tablePrefix?: string): Promise<InferredTable> => {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) throw new DataSourceError(`Crawler target ${path} is not a folder`);
  const dataFiles = await listDataFiles(path);
  const source = readDataFilesSql(dataFiles);
  const { columns, recordCount } = await withDuckDb(async (connection) => {
    const described = await queryRows(connection, `DESCRIBE SELECT * FROM ${source}`);
    const inferred: CatalogColumn[] = described.map((row) => ({
      name: String(row.column_name).toLowerCase(), // Glue crawlers lower-case column names
      type: glueColumnType(String(row.column_type)),
    }));
    return { columns: inferred, recordCount: await queryCount(connection, `SELECT count(*) FROM ${source}`) };
  });
  const sizes = await Promise.all(dataFiles.files.map(async (file) => (await stat(file)).size));
  return {
    name: glueTableName(path, tablePrefix),
    format: dataFiles.format,
    columns,
    recordCount,
    files: dataFiles.files,
    sizeBytes: sizes.reduce((sum, size) => sum + size, 0),
    quoted: dataFiles.format === 'csv' && (await usesQuotes(dataFiles.files)),
  };
};

/** Infers a folder's table (see inferTable) and writes it to the local catalog. */
export const crawl = async ({ catalog, databaseName, path, tablePrefix }: CrawlInput): Promise<CatalogTable> => {
  const inferred = await inferTable(path, tablePrefix);
  const table: CatalogTable = {
    name: inferred.name,
    location: resolve(path),
    format: inferred.format,
    columns: inferred.columns,
    recordCount: inferred.recordCount,
    updatedAt: new Date().toISOString(),
  };
  await catalog.putTable(databaseName, table);
  return table;
};
