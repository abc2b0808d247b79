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

// One formatting of zod issue paths for every package's messages.
export { formatIssuePath } from '@glue-cd/core';
