import { stat } from 'node:fs/promises';
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

/**
 * Infers one table from the files under a folder, like a Glue crawler with an S3 target: the table is named after
 * the folder, columns and types come from the CSV header / Parquet schema, and the exact record count is recorded.
 */
export const crawl = async ({ catalog, databaseName, path, tablePrefix }: CrawlInput): Promise<CatalogTable> => {
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
  const table: CatalogTable = {
    name: glueTableName(path, tablePrefix),
    location: resolve(path),
    format: dataFiles.format,
    columns,
    recordCount,
    updatedAt: new Date().toISOString(),
  };
  await catalog.putTable(databaseName, table);
  return table;
};
