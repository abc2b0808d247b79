import { SqlQueryError, type TableCatalog, type TableFormat, type TableSource } from '@glue-cd/data-lake';
import type { ObjectStore } from '../contracts';
import type { GlueCatalog, GlueStorageDescriptor, GlueTable } from '../glue/catalog';
import { resolveS3Url } from '../s3/s3-url';
import { type ServicePrincipal, requireS3Read } from '../iam/service-principals';
import { asQueryDenial } from './query-denials';

// Hive's default field delimiter (^A) when a LazySimpleSerDe table names none.
const HIVE_DEFAULT_DELIMITER = '\u0001';

/** How Athena reads a table's files, from its SerDe, InputFormat and classification. */
const formatOf = (name: string, table: GlueTable, descriptor: GlueStorageDescriptor): TableFormat => {
  const serde = descriptor.SerdeInfo?.SerializationLibrary ?? '';
  const serdeParameters = descriptor.SerdeInfo?.Parameters ?? {};
  const classification = (
    table.Parameters?.classification ??
    descriptor.Parameters?.classification ??
    ''
  ).toLowerCase();
  const skip = Number(table.Parameters?.['skip.header.line.count'] ?? serdeParameters['skip.header.line.count'] ?? 0);
  const skipHeaderLines = Number.isInteger(skip) && skip > 0 ? skip : 0;
  if (
    /ParquetHiveSerDe/i.test(serde) ||
    /Parquet/i.test(descriptor.InputFormat ?? '') ||
    classification === 'parquet'
  ) {
    return { kind: 'parquet' };
  }
  if (/OpenCSVSerde/i.test(serde)) {
    return {
      kind: 'text',
      delimiter: serdeParameters.separatorChar ?? ',',
      quote: serdeParameters.quoteChar ?? '"',
      escape: serdeParameters.escapeChar ?? '\\',
      skipHeaderLines,
    };
  }
  if (/LazySimpleSerDe/i.test(serde) || (serde === '' && /TextInputFormat/.test(descriptor.InputFormat ?? ''))) {
    return {
      kind: 'text',
      delimiter: serdeParameters['field.delim'] ?? serdeParameters['serialization.format'] ?? HIVE_DEFAULT_DELIMITER,
      skipHeaderLines,
    };
  }
  throw new SqlQueryError(
    'HIVE_UNSUPPORTED_FORMAT',
    `Table ${name} is stored with ${serde || descriptor.InputFormat || 'no SerDe'}; the local Athena reads text (LazySimpleSerDe, OpenCSVSerde) and Parquet tables`,
  );
};

/** A table's (or partition's) folder, read as the query's caller: ListBucket of its prefix, GetObject of each file. */
const localFolder = async (
  objects: ObjectStore,
  principal: ServicePrincipal,
  name: string,
  location: string | undefined,
): Promise<string> => {
  if (!location) throw new SqlQueryError('HIVE_BAD_DATA', `Table ${name} has no StorageDescriptor.Location`);
  let resolved;
  try {
    resolved = await resolveS3Url(objects, location);
  } catch (error) {
    throw new SqlQueryError('HIVE_BAD_DATA', `Table ${name} location ${location}: ${(error as Error).message}`);
  }
  await asQueryDenial(requireS3Read(principal, objects, resolved));
  return resolved.path;
};

/**
 * The local Glue Data Catalog as the local Athena's DuckDB engine reads it (locations resolved to S3 folders), as
 * the query's caller: glue:GetDatabase, glue:GetTable (and GetPartitions) and the S3 reads are judged on the way.
 */
export const glueTableCatalog = (
  catalog: GlueCatalog,
  objects: ObjectStore,
  principal: ServicePrincipal,
): TableCatalog => ({
  async hasDatabase(database) {
    await asQueryDenial(principal.require('glue', 'GetDatabase', { Name: database }));
    return catalog.hasDatabase(database);
  },
  async table(database, tableName): Promise<TableSource | undefined> {
    await asQueryDenial(principal.require('glue', 'GetTable', { DatabaseName: database, Name: tableName }));
    const table = catalog.findTable(database, tableName);
    if (!table) return undefined;
    const name = `${database}.${table.Name}`;
    if (table.TableType === 'VIRTUAL_VIEW') {
      throw new SqlQueryError('NOT_SUPPORTED', `Table ${name} is a view; the local Athena does not expand Glue views`);
    }
    const descriptor = table.StorageDescriptor ?? {};
    const source: TableSource = {
      path: await localFolder(objects, principal, name, descriptor.Location),
      format: formatOf(name, table, descriptor),
      columns: (descriptor.Columns ?? []).map((column) => ({
        name: column.Name.toLowerCase(),
        type: column.Type ?? 'string',
      })),
    };
    if (table.PartitionKeys.length === 0) return source;
    await asQueryDenial(principal.require('glue', 'GetPartitions', { DatabaseName: database, TableName: table.Name }));
    const partitions = await Promise.all(
      catalog.partitions(database, table.Name).map(async (partition) => ({
        path: await localFolder(objects, principal, name, partition.StorageDescriptor?.Location),
        values: partition.Values,
      })),
    );
    const keys = table.PartitionKeys.map((key) => ({ name: key.Name.toLowerCase(), type: key.Type ?? 'string' }));
    return { ...source, partitioning: { keys, partitions } };
  },
});
