import { mkdir, rm } from 'node:fs/promises';
import { join, relative, resolve, isAbsolute } from 'node:path';
import type { ColumnMapping } from './column-mapping';
import { duckDbCsvReadOptions, withSerialFallback, withoutLineEndResidue } from './csv-format';
import { countCsvFileRecords, scanCsvFile } from './csv-records';
import { listDataFiles } from './data-files';
import { fileListLiteral, quoteIdentifier, quoteLiteral, queryCount, queryRows, withDuckDb } from './duckdb';
import { ColumnMappingError, DataSourceError, RecordCountMismatchError } from './errors';
import { PLAN_SETTINGS_SQL, mappingPlan } from './mapping-plan';
import { REJECT_REASON_COLUMN } from './value-rules';

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
// Snappy, as Spark writes Parquet by default.
const PARQUET_OPTIONS = 'FORMAT PARQUET, COMPRESSION SNAPPY';

const isInside = (child: string, parent: string): boolean => {
  const path = relative(parent, child);
  return path === '' || (!path.startsWith('..') && !isAbsolute(path));
};

/** The CSV files of a source, scanned independently of DuckDB (csv-records.ts). */
const scanSource = async (source: string, files: readonly string[]) => {
  const scans = await Promise.all(files.map(async (file) => ({ file, ...(await scanCsvFile(file)) })));
  const bare = scans.find((scan) => scan.bareCarriageReturnLine !== undefined);
  if (bare) {
    throw new DataSourceError(
      `${bare.file} line ${bare.bareCarriageReturnLine}: a carriage return (CR) outside quotes that does not end its line; ` +
        'job.py ends records at LF or CRLF only (Spark reads a lone CR as data, DuckDB as a line break): use LF or CRLF line endings',
    );
  }
  const endings = scans.reduce((sum, { lineEndings }) => sum + lineEndings.crlf - lineEndings.lf, 0);
  return {
    records: scans.reduce((sum, { lines }) => sum + Math.max(lines - 1, 0), 0), // each file has a header
    // DuckDB's parallel reader cannot pad short rows (Spark's PERMISSIVE mode) of files with quoted line breaks.
    parallel: !scans.some(({ quotedLineBreaks }) => quotedLineBreaks),
    lineEnding: endings > 0 ? ('crlf' as const) : ('lf' as const),
  };
};

/**
 * The local twin of glue-jobs/nyc-taxi/job.py: reads the raw CSV as text the way job.py does (csv-format.ts), applies
 * the column mapping (value-rules.ts, through mapping-plan.ts), writes accepted rows as Parquet and rejected rows as
 * CSV with reject_reason. Raw records are counted from the CSV text independently of DuckDB, and raw = transformed +
 * rejected is enforced on the files as written, so no record disappears silently.
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
  const { files } = dataFiles;

  return withDuckDb(async (connection) => {
    await connection.run(PLAN_SETTINGS_SQL);
    const readCsv = (parallel: boolean, lineEnding?: 'lf' | 'crlf') =>
      `read_csv(${fileListLiteral(files)}, ${duckDbCsvReadOptions({ parallel, valuesAsText: true, lineEnding })})`;
    // DuckDB reads the header while the text is scanned; the scan's complaint about the text comes first.
    const [scanned, described] = await Promise.allSettled([
      scanSource(source, files),
      queryRows(connection, `DESCRIBE SELECT * FROM ${readCsv(false)}`),
    ]);
    if (scanned.status === 'rejected') throw scanned.reason;
    if (described.status === 'rejected') throw described.reason;
    const { records: rawRecords, parallel, lineEnding } = scanned.value;
    const header = described.value.map((row) => String(row.column_name));
    const columns = header.map(withoutLineEndResidue);
    const missingSources = mapping.columns
      .filter((column) => !columns.includes(column.source))
      .map((column) => column.source);
    if (missingSources.length > 0) {
      throw new ColumnMappingError(
        `Mapped source columns missing from the CSV header of ${source}: ${missingSources.join(', ')} (header: ${columns.join(', ')})`,
      );
    }
    const renamed = header.map(
      (name, index) => `${quoteIdentifier(name)} AS ${quoteIdentifier(columns[index] ?? name)}`,
    );
    const planOf = (inParallel: boolean) =>
      mappingPlan(mapping, `(SELECT ${renamed.join(', ')} FROM ${readCsv(inParallel, lineEnding)})`, columns);

    await Promise.all([
      rm(targetPath, { recursive: true, force: true }),
      rm(rejectsPath, { recursive: true, force: true }),
    ]);
    await Promise.all([mkdir(targetPath, { recursive: true }), mkdir(rejectsPath, { recursive: true })]);
    const targetFile = join(resolve(targetPath), TARGET_FILE_NAME);
    const rejectsFile = join(resolve(rejectsPath), REJECTS_FILE_NAME);
    const { accepted, inParallel } = await withSerialFallback(parallel, async (tryParallel) => {
      const sql = planOf(tryParallel).acceptedSql;
      return {
        inParallel: tryParallel,
        accepted: await queryCount(connection, `COPY (${sql}) TO ${quoteLiteral(targetFile)} (${PARQUET_OPTIONS})`),
      };
    });
    // The rejects take a second read of the source, only when some record was not accepted; else the header alone.
    await withSerialFallback(inParallel, async (tryParallel) => {
      const plan = planOf(tryParallel);
      const rejected = accepted === rawRecords ? plan.noRejectsSql : plan.rejectedSql;
      await connection.run(`COPY (${rejected}) TO ${quoteLiteral(rejectsFile)} (FORMAT CSV, HEADER true)`);
    });

    // Count what was written, not what was meant to be written.
    const transformedRecords = await queryCount(
      connection,
      `SELECT count(*) FROM read_parquet(${quoteLiteral(targetFile)})`,
    );
    const rejectedRecords = await countCsvFileRecords(rejectsFile);
    if (transformedRecords + rejectedRecords !== rawRecords) {
      throw new RecordCountMismatchError(
        `raw records ${rawRecords} (counted in the CSV text) != transformed ${transformedRecords} + rejected ${rejectedRecords} (${source} -> ${targetPath}, ${rejectsPath})`,
      );
    }
    const reason = quoteIdentifier(REJECT_REASON_COLUMN);
    const byReason =
      rejectedRecords === 0
        ? []
        : await queryRows(
            connection,
            `SELECT ${reason} AS reason, count(*) AS records FROM read_csv(${quoteLiteral(rejectsFile)}, ${duckDbCsvReadOptions({ parallel: false, valuesAsText: true })}) GROUP BY 1 ORDER BY 2 DESC, 1`,
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

/**
 * DuckDB's own CSV->Parquet of a source, with the job's read options (parallel reading, types sniffed, the line
 * ending the job would tell it) and Parquet options: the floor `pnpm bench` measures runMappingJob against. Returns
 * the records written.
 */
export const copyCsvToParquet = async ({
  sourcePath,
  targetFile,
  lineEnding,
}: {
  sourcePath: string;
  targetFile: string;
  lineEnding?: 'lf' | 'crlf';
}): Promise<number> => {
  const { files } = await listDataFiles(resolve(sourcePath));
  const read = `read_csv(${fileListLiteral(files)}, ${duckDbCsvReadOptions({ parallel: true, valuesAsText: false, lineEnding })})`;
  return withDuckDb((connection) =>
    queryCount(connection, `COPY (SELECT * FROM ${read}) TO ${quoteLiteral(targetFile)} (${PARQUET_OPTIONS})`),
  );
};
