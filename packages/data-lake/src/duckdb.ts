import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** `"name"` with embedded quotes doubled. */
export const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;
/** `'text'` with embedded quotes doubled. */
export const quoteLiteral = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** A SQL list literal of file paths, for read_csv / read_parquet. */
export const fileListLiteral = (files: readonly string[]): string => `[${files.map(quoteLiteral).join(', ')}]`;

/**
 * CSV reader options used everywhere, matching job.py's Spark reader (header, comma, RFC 4180 quotes and "" escapes,
 * short rows padded with nulls, blank lines skipped). Strict mode is off because real TLC extracts mix CRLF and LF
 * line endings (the 2019-01 sample does), which the strict reader refuses; parallel is off because null padding and
 * quoted newlines need the serial reader. Record counts are checked against an independent count of CSV records, so
 * the lenient reader cannot lose rows unnoticed.
 */
export const CSV_READ_OPTIONS =
  "header = true, delim = ',', quote = '\"', escape = '\"', strict_mode = false, null_padding = true, parallel = false, union_by_name = true";

/** Runs `work` with a fresh in-memory DuckDB connection and closes it afterwards. */
export const withDuckDb = async <T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> => {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return await work(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
};

/** Turns a DuckDB JS value into a plain JSON-friendly value: bigint -> number (string beyond 2^53), Date -> ISO. */
export const toPlainValue = (value: unknown): unknown => {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toPlainValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toPlainValue(inner)]));
  }
  return value;
};

/** Rows of a query as plain JS objects. */
export const queryRows = async (connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> => {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJS().map((row) => toPlainValue(row) as Record<string, unknown>);
};

/** The single number of a `SELECT count(*) AS n` style query. */
export const queryCount = async (connection: DuckDBConnection, sql: string): Promise<number> => {
  const [row] = await queryRows(connection, sql);
  const value = row ? Object.values(row)[0] : undefined;
  if (typeof value !== 'number') throw new Error(`expected one numeric value from: ${sql}`);
  return value;
};
