export {
  ColumnMappingEntrySchema,
  ColumnMappingSchema,
  SIMPLE_COLUMN_TYPES,
  decimalPrecisionScale,
  loadColumnMapping,
  parseColumnMapping,
  type ColumnMapping,
  type ColumnMappingEntry,
  type ColumnType,
} from './column-mapping';
export {
  CATALOG_FILE_NAME,
  CatalogStateSchema,
  LocalCatalog,
  type CatalogColumn,
  type CatalogDatabase,
  type CatalogState,
  type CatalogTable,
} from './catalog';
export { crawl, glueColumnType, glueTableName, inferTable, type CrawlInput, type InferredTable } from './crawler';
export {
  LINE_END_RESIDUE,
  SPARK_CSV_READ_OPTIONS,
  duckDbCsvReadOptions,
  withoutLineEndResidue,
  type DuckDbCsvRead,
} from './csv-format';
export { CsvRecordCounter, countCsvFileRecords, countCsvRecords, scanCsvFile, type CsvTextScan } from './csv-records';
export { listDataFiles, type DataFiles, type DataFormat } from './data-files';
export {
  CatalogError,
  ColumnMappingError,
  DataSourceError,
  RecordCountMismatchError,
  SqlQueryError,
  type SqlQueryErrorCode,
} from './errors';
export {
  REJECTS_FILE_NAME,
  TARGET_FILE_NAME,
  copyCsvToParquet,
  runMappingJob,
  type MappingJobInput,
  type MappingJobResult,
} from './mapping-job';
export { queryCatalog, type QueryOptions, type QueryRow } from './query';
export { athenaType, javaDoubleString, type ResultColumn } from './sql-values';
export {
  DATA_CATALOG,
  queryTables,
  tableFiles,
  type TableCatalog,
  type TableFormat,
  type TableQueryInput,
  type TableQueryResult,
  type TableSource,
} from './table-query';
export {
  BOOLEAN_FALSE_VALUES,
  BOOLEAN_TRUE_VALUES,
  REJECT_REASON_COLUMN,
  REJECT_REASON_SEPARATOR,
  TRIM_CHARACTERS,
  VALUE_PATTERNS,
  invalidValueReason,
  missingRequiredReason,
} from './value-rules';
