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
export { crawl, glueColumnType, glueTableName, type CrawlInput } from './crawler';
export {
  LINE_END_RESIDUE,
  SPARK_CSV_READ_OPTIONS,
  duckDbCsvReadOptions,
  withoutLineEndResidue,
  type DuckDbCsvRead,
} from './csv-format';
export { CsvRecordCounter, countCsvFileRecords, countCsvRecords, scanCsvFile, type CsvTextScan } from './csv-records';
export { listDataFiles, type DataFiles, type DataFormat } from './data-files';
export { CatalogError, ColumnMappingError, DataSourceError, RecordCountMismatchError } from './errors';
export {
  REJECTS_FILE_NAME,
  TARGET_FILE_NAME,
  copyCsvToParquet,
  runMappingJob,
  type MappingJobInput,
  type MappingJobResult,
} from './mapping-job';
export { queryCatalog, type QueryOptions, type QueryRow } from './query';
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
