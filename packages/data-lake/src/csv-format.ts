import { quoteLiteral } from './sql-text';

// How glue-jobs/nyc-taxi/job.py reads CSV, and how the local engine reads the same files alike. job.py's
// CSV_READ_OPTIONS and LINE_END_RESIDUE must equal the ones below: packages/live-test/test/job-py.test.ts compares them.

interface ReadAlike {
  /** An option job.py passes to spark.read, with its value. */
  spark: readonly [option: string, value: string];
  /** The DuckDB read_csv options that make DuckDB read what Spark reads with it. */
  duckdb: readonly string[];
}

const READ_ALIKE: readonly ReadAlike[] = [
  // The first record names the columns.
  { spark: ['header', 'true'], duckdb: ['header = true'] },
  // Comma-separated, RFC 4180 quotes, "" inside quotes is one quote.
  { spark: ['sep', ','], duckdb: [`delim = ${quoteLiteral(',')}`] },
  { spark: ['quote', '"'], duckdb: [`quote = ${quoteLiteral('"')}`] },
  { spark: ['escape', '"'], duckdb: [`escape = ${quoteLiteral('"')}`] },
  // Short records are padded with nulls (DuckDB's strict mode refuses them, and mixed LF/CRLF endings).
  { spark: ['mode', 'PERMISSIVE'], duckdb: ['strict_mode = false', 'null_padding = true'] },
  // Quoted values may hold line breaks: DuckDB reads them (its parallel reader not with null padding).
  { spark: ['multiLine', 'true'], duckdb: [] },
  // Records end at LF (DuckDB's non-strict reader: LF or CRLF); the CR Spark leaves is LINE_END_RESIDUE, below.
  { spark: ['lineSep', '\n'], duckdb: [] },
  // Every value is text; a quoted empty value is an empty string, an unquoted one is null.
  { spark: ['inferSchema', 'false'], duckdb: ['all_varchar = true', 'allow_quoted_nulls = false'] },
];

/** The spark.read options of job.py (its CSV_READ_OPTIONS), option by option. */
export const SPARK_CSV_READ_OPTIONS: Readonly<Record<string, string>> = Object.fromEntries(
  READ_ALIKE.map(({ spark }) => spark),
);

export interface DuckDbCsvRead {
  /** DuckDB's parallel CSV reader; only for files without line breaks inside quoted values (see csv-records.ts). */
  parallel: boolean;
  /**
   * How most lines end (csv-records.ts counts them). DuckDB's parallel reader finds record starts by it and refuses
   * some files whose lines end otherwise (then only the serial reader reads them); left out, DuckDB sniffs it.
   */
  lineEnding?: 'lf' | 'crlf';
  /** Every value as text, as job.py reads (inferSchema false); false lets DuckDB sniff types (the crawler). */
  valuesAsText: boolean;
}

/** DuckDB read_csv options that read a file as job.py's spark.read does (union_by_name: a folder of files). */
export const duckDbCsvReadOptions = ({ parallel, valuesAsText, lineEnding }: DuckDbCsvRead): string =>
  [
    ...READ_ALIKE.filter(({ spark: [option] }) => valuesAsText || option !== 'inferSchema').flatMap(
      ({ duckdb }) => duckdb,
    ),
    ...(lineEnding === undefined ? [] : [`new_line = ${quoteLiteral(lineEnding === 'crlf' ? '\\r\\n' : '\\n')}`]),
    `parallel = ${parallel}`,
    'union_by_name = true',
  ].join(', ');

/** Said by DuckDB's parallel CSV reader about a file only its serial reader can read. */
export const PARALLEL_READER_REFUSAL = 'The Parallel CSV Reader currently does not support a full read on this file';

/**
 * Runs `read` with DuckDB's parallel CSV reader when `parallel`, and again with the serial one if the parallel reader
 * refuses the file (it does for some files with mixed line endings, whatever new_line says).
 */
export const withSerialFallback = async <T>(
  parallel: boolean,
  read: (inParallel: boolean) => Promise<T>,
): Promise<T> => {
  try {
    return await read(parallel);
  } catch (error) {
    if (!parallel || !(error instanceof Error) || !error.message.includes(PARALLEL_READER_REFUSAL)) throw error;
    return read(false);
  }
};

/**
 * What a CRLF line ending leaves when records end at LF: a CR at the end of the record's last value (its only value,
 * for a blank CRLF line). Never data: job.py and the engine remove one from the end of every value and column name,
 * a value that was only a CR is null, and job.py drops records that were only a CR (blank CRLF lines).
 */
export const LINE_END_RESIDUE = '\r';

/** A column name without its line-end residue (the header's last name, when the header line ends CRLF). */
export const withoutLineEndResidue = (name: string): string =>
  name.endsWith(LINE_END_RESIDUE) ? name.slice(0, -LINE_END_RESIDUE.length) : name;

/** DuckDB SQL for a VARCHAR value without its line-end residue, as job.py's strip_line_end_residue. */
export const withoutLineEndResidueSql = (value: string): string => {
  const residue = quoteLiteral(LINE_END_RESIDUE);
  return `(CASE WHEN ${value} = ${residue} THEN NULL WHEN suffix(${value}, ${residue}) THEN left(${value}, -${LINE_END_RESIDUE.length}) ELSE ${value} END)`;
};
