import type { InferredTable } from '@glue-cd/data-lake';
import type { TableInput } from './catalog-shapes';

// What Glue's built-in classifiers write for the formats the local crawler infers.
const TEXT_INPUT_FORMAT = 'org.apache.hadoop.mapred.TextInputFormat';
const TEXT_OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';
const LAZY_SIMPLE_SERDE = 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe';
const OPEN_CSV_SERDE = 'org.apache.hadoop.hive.serde2.OpenCSVSerde';
const PARQUET_INPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat';
const PARQUET_OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat';
const PARQUET_SERDE = 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe';

/** The table a Glue crawler writes for one S3 target (StorageDescriptor, SerDe and crawler parameters). */
export const crawledTableInput = (inferred: InferredTable, location: string, crawlerName: string): TableInput => {
  const csv = inferred.format === 'csv';
  const parameters: Record<string, string> = {
    CrawlerSchemaDeserializerVersion: '1.0',
    CrawlerSchemaSerializerVersion: '1.0',
    UPDATED_BY_CRAWLER: crawlerName,
    averageRecordSize: String(inferred.recordCount > 0 ? Math.round(inferred.sizeBytes / inferred.recordCount) : 0),
    classification: inferred.format,
    compressionType: 'none',
    objectCount: String(inferred.files.length),
    recordCount: String(inferred.recordCount),
    sizeKey: String(inferred.sizeBytes),
    typeOfData: 'file',
    ...(csv
      ? {
          areColumnsQuoted: String(inferred.quoted),
          columnsOrdered: 'true',
          delimiter: ',',
          'skip.header.line.count': '1',
        }
      : {}),
  };
  return {
    Name: inferred.name,
    Owner: 'owner',
    Retention: 0,
    TableType: 'EXTERNAL_TABLE',
    Parameters: parameters,
    PartitionKeys: [],
    StorageDescriptor: {
      Columns: inferred.columns.map((column) => ({ Name: column.name, Type: column.type })),
      Location: location,
      InputFormat: csv ? TEXT_INPUT_FORMAT : PARQUET_INPUT_FORMAT,
      OutputFormat: csv ? TEXT_OUTPUT_FORMAT : PARQUET_OUTPUT_FORMAT,
      Compressed: false,
      NumberOfBuckets: -1,
      SerdeInfo: !csv
        ? { SerializationLibrary: PARQUET_SERDE, Parameters: { 'serialization.format': '1' } }
        : inferred.quoted
          ? { SerializationLibrary: OPEN_CSV_SERDE, Parameters: { separatorChar: ',', quoteChar: '"' } }
          : { SerializationLibrary: LAZY_SIMPLE_SERDE, Parameters: { 'field.delim': ',' } },
      BucketColumns: [],
      SortColumns: [],
      Parameters: parameters,
      StoredAsSubDirectories: false,
    },
  };
};
