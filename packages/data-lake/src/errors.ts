// Named errors of the local data-lake engine: the message names the file, column or field that was wrong.

/** A column mapping (mapping.json) that does not follow the schema, or does not fit the data it is applied to. */
export class ColumnMappingError extends Error {
  override name = 'ColumnMappingError';
}

/** A crawl or job input folder holding no data files, or files of mixed/unknown formats. */
export class DataSourceError extends Error {
  override name = 'DataSourceError';
}

/** Record counts that do not add up: a record was lost between reading, mapping and writing. */
export class RecordCountMismatchError extends Error {
  override name = 'RecordCountMismatchError';
}

/** The persisted local catalog is unreadable, or a query names a database/table it does not hold. */
export class CatalogError extends Error {
  override name = 'CatalogError';
}

/** Trino's error names, which Athena puts in front of a failed query's message. */
export type SqlQueryErrorCode =
  | 'SYNTAX_ERROR'
  | 'NOT_SUPPORTED'
  | 'TABLE_NOT_FOUND'
  | 'SCHEMA_NOT_FOUND'
  | 'COLUMN_NOT_FOUND'
  | 'FUNCTION_NOT_FOUND'
  | 'INVALID_CAST_ARGUMENT'
  | 'NUMERIC_VALUE_OUT_OF_RANGE'
  | 'HIVE_BAD_DATA'
  | 'HIVE_UNSUPPORTED_FORMAT'
  | 'PERMISSION_DENIED'
  | 'GENERIC_USER_ERROR'
  | 'CANCELLED';

/** A query that failed the way an Athena query fails: `message` is Athena's text after the `<code>: ` prefix. */
export class SqlQueryError extends Error {
  override name = 'SqlQueryError';
  constructor(
    readonly code: SqlQueryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// One formatting of zod issue paths for every package's messages.
export { formatIssuePath } from '@glue-cd/core';
