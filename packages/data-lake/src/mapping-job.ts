import { mkdir, rm } from 'node:fs/promises';
import { join, relative, resolve, isAbsolute } from 'node:path';
import type { ColumnMapping } from './column-mapping';
import { countCsvFileRecords } from './csv-records';
import { listDataFiles } from './data-files';
import {
  CSV_READ_OPTIONS,
  fileListLiteral,
  quoteIdentifier,
  quoteLiteral,
  queryCount,
  queryRows,
  withDuckDb,
} from './duckdb';
import { ColumnMappingError, DataSourceError, RecordCountMismatchError } from './errors';
import { columnRuleSql, REJECT_REASON_COLUMN, REJECT_REASON_SEPARATOR } from './value-rules';

export interface MappingJobInput {
  /** A raw CSV file or a folder of them (recursively). */
  sourcePath: string;
  /** Folder for the curated Parquet; replaced on every run (Spark overwrite mode). */
  targetPath: string;
  /** Folder for the rejected rows as CSV with a reject_reason column; replaced on every run. */
  rejectsPath: string;
  mapping: ColumnMapping;
}

export interface MappingJobResult {
  rawRecords: number;
  transformedRecords: number;
  rejectedRecords: number;
  /** Rejected rows per reject_reason (a row with several violations counts once, under the joined reason). */
  rejectsByReason: Record<string, number>;
  /** Files written. */
  targetFiles: string[];
  rejectsFiles: string[];
}

export const TARGET_FILE_NAME = 'part-00000.parquet';
export const REJECTS_FILE_NAME = 'part-00000.csv';

const isInside = (child: string, parent: string): boolean => {
  const path = relative(parent, child);
  return path === '' || (!path.startsWith('..') && !isAbsolute(path));
};

/**
 * The local twin of glue-jobs/nyc-taxi/job.py: reads the raw CSV as text, applies the column mapping (value-rules.ts),
 * writes accepted rows as Parquet and rejected rows as CSV with reject_reason. Raw records are counted from the CSV
 * text independently of DuckDB, and raw = transformed + rejected is enforced, so no record disappears silently.
 */
export const runMappingJob = async ({
  sourcePath,
  targetPath,
  rejectsPath,
  mapping,
}: MappingJobInput): Promise<MappingJobResult> => {
  const source = resolve(sourcePath);
  const folders = { sourcePath: source, targetPath: resolve(targetPath), rejectsPath: resolve(rejectsPath) };
  for (const [first, second] of [
    ['targetPath', 'sourcePath'],
    ['rejectsPath', 'sourcePath'],
    ['rejectsPath', 'targetPath'],
  ] as const) {
    if (isInside(folders[first], folders[second]) || isInside(folders[second], folders[first])) {
      throw new DataSourceError(
        `${first} ${folders[first]} overlaps ${second} ${folders[second]}; the job replaces its output folders`,
      );
    }
  }
  const dataFiles = await listDataFiles(source);
  if (dataFiles.format !== 'csv')
    throw new DataSourceError(`The mapping job reads CSV, but ${source} holds ${dataFiles.format} files`);
  const csvRecords = (await Promise.all(dataFiles.files.map((file) => countCsvFileRecords(file)))).reduce(
    (sum, count) => sum + count,
    0,
  );

  return withDuckDb(async (connection) => {
    await connection.run(
      `CREATE TABLE raw AS SELECT * FROM read_csv(${fileListLiteral(dataFiles.files)}, ${CSV_READ_OPTIONS}, all_varchar = true)`,
    );
    const rawColumns = (await queryRows(connection, 'DESCRIBE raw')).map((row) => String(row.column_name));
    const missingSources = mapping.columns
      .filter((column) => !rawColumns.includes(column.source))
      .map((column) => column.source);
    if (missingSources.length > 0) {
      throw new ColumnMappingError(
        `Mapped source columns missing from the CSV header of ${source}: ${missingSources.join(', ')} (header: ${rawColumns.join(', ')})`,
      );
    }
    const rawRecords = await queryCount(connection, 'SELECT count(*) FROM raw');
    if (rawRecords !== csvRecords) {
      throw new RecordCountMismatchError(
        `Read ${rawRecords} records from ${source}, but the CSV text holds ${csvRecords} records`,
      );
    }

    const rules = mapping.columns.map((column) => ({ column, sql: columnRuleSql(column) }));
    const reasons = rules.map(({ sql }) => sql.rejectReason).join(', ');
    await connection.run(
      `CREATE TABLE checked AS SELECT *, NULLIF(concat_ws(${quoteLiteral(REJECT_REASON_SEPARATOR)}, ${reasons}), '') AS ${quoteIdentifier(REJECT_REASON_COLUMN)} FROM raw`,
    );
    const accepted = `SELECT ${rules.map(({ column, sql }) => `${sql.value} AS ${quoteIdentifier(column.target)}`).join(', ')} FROM checked WHERE ${quoteIdentifier(REJECT_REASON_COLUMN)} IS NULL`;
    const rejected = `SELECT * FROM checked WHERE ${quoteIdentifier(REJECT_REASON_COLUMN)} IS NOT NULL`;

    await Promise.all([
      rm(targetPath, { recursive: true, force: true }),
      rm(rejectsPath, { recursive: true, force: true }),
    ]);
    await Promise.all([mkdir(targetPath, { recursive: true }), mkdir(rejectsPath, { recursive: true })]);
    const targetFile = join(resolve(targetPath), TARGET_FILE_NAME);
    const rejectsFile = join(resolve(rejectsPath), REJECTS_FILE_NAME);
    await connection.run(`COPY (${accepted}) TO ${quoteLiteral(targetFile)} (FORMAT PARQUET, COMPRESSION ZSTD)`);
    await connection.run(`COPY (${rejected}) TO ${quoteLiteral(rejectsFile)} (FORMAT CSV, HEADER true)`);

    // Count what was written, not what was meant to be written.
    const transformedRecords = await queryCount(
      connection,
      `SELECT count(*) FROM read_parquet(${quoteLiteral(targetFile)})`,
    );
    const rejectedRecords = await countCsvFileRecords(rejectsFile);
    if (transformedRecords + rejectedRecords !== rawRecords) {
      throw new RecordCountMismatchError(
        `raw records ${rawRecords} != transformed ${transformedRecords} + rejected ${rejectedRecords} (${source} -> ${targetPath}, ${rejectsPath})`,
      );
    }
    const byReason = await queryRows(
      connection,
      `SELECT ${quoteIdentifier(REJECT_REASON_COLUMN)} AS reason, count(*) AS records FROM checked WHERE ${quoteIdentifier(REJECT_REASON_COLUMN)} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1`,
    );
    return {
      rawRecords,
      transformedRecords,
      rejectedRecords,
      rejectsByReason: Object.fromEntries(byReason.map((row) => [String(row.reason), Number(row.records)])),
      targetFiles: [targetFile],
      rejectsFiles: [rejectsFile],
    };
  });
};
