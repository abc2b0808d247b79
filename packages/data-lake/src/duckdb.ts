import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { duckDbCsvReadOptions } from './csv-format';

export { fileListLiteral, quoteIdentifier, quoteLiteral } from './sql-text';

/** read_csv options of the crawler and SQL over the catalog: types sniffed, serial reading (see csv-format.ts). */
export const CSV_READ_OPTIONS = duckDbCsvReadOptions({ parallel: false, valuesAsText: false });

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
