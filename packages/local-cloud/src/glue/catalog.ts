import { LOCAL_ACCOUNT_ID } from '../contracts';
import { epochSeconds, jsonCopy } from '../json-input';
import type { JsonOperation } from '../json-protocol';
import { readJsonState, stateFile, writeJsonState } from '../persistence';
import { catalogOperations } from './catalog-operations';
import type {
  DatabaseInput,
  GlueDatabase,
  GluePartition,
  GlueTable,
  PartitionInput,
  TableInput,
} from './catalog-shapes';
import { alreadyExists, entityNotFound, foreignCatalog, invalidInput } from './errors';
import { partitionOperations } from './partition-operations';

export type {
  DatabaseInput,
  GlueColumn,
  GlueDatabase,
  GluePartition,
  GlueStorageDescriptor,
  GlueTable,
  TableInput,
} from './catalog-shapes';

interface TableRecord {
  table: GlueTable;
  partitions: Record<string, GluePartition>;
}

interface DatabaseRecord {
  database: GlueDatabase;
  tables: Record<string, TableRecord>;
}

interface CatalogState {
  databases: Record<string, DatabaseRecord>;
}

/** How a crawler's write changed the catalog. */
export type CrawledTableOutcome = 'created' | 'updated' | 'unchanged';

/** The table a partition operation names: its catalog, database and table. */
export interface PartitionTableRef {
  CatalogId?: string | undefined;
  DatabaseName: string;
  TableName: string;
}

/** Glue stores database and table names in lower case. */
const lower = (name: string): string => name.toLowerCase();
// Partition keys of the state map: the values joined by a character that cannot appear in an S3 folder name.
const partitionKey = (values: readonly string[]): string => values.join('\u0000');

/**
 * The local Glue Data Catalog: databases, tables and partitions, persisted in `state/glue-catalog.json`. Every
 * operation takes and returns Glue's wire shapes; the crawlers and the local Athena read it through the same object.
 */
export class GlueCatalog {
  private readonly file: string;
  private readonly state: CatalogState;

  constructor(stateDir: string) {
    this.file = stateFile(stateDir, 'glue-catalog');
    this.state = readJsonState<CatalogState>(this.file, { databases: {} });
  }

  private save(): void {
    writeJsonState(this.file, this.state);
  }

  /** Every operation may name a catalog: only this account's is here. */
  checkCatalog(catalogId: string | undefined): void {
    if (catalogId !== undefined && catalogId !== LOCAL_ACCOUNT_ID) throw foreignCatalog(catalogId, LOCAL_ACCOUNT_ID);
  }

  private databaseRecord(name: string): DatabaseRecord {
    const record = this.state.databases[lower(name)];
    if (!record) throw entityNotFound(`Database ${name} not found.`);
    return record;
  }

  private tableRecord(databaseName: string, tableName: string): TableRecord {
    const record = this.databaseRecord(databaseName).tables[lower(tableName)];
    if (!record) throw entityNotFound(`Table ${tableName} not found.`);
    return record;
  }

  /** The table a partition operation names, in this catalog. */
  private partitionTable(input: PartitionTableRef): TableRecord {
    this.checkCatalog(input.CatalogId);
    return this.tableRecord(input.DatabaseName, input.TableName);
  }

  hasDatabase(name: string): boolean {
    return lower(name) in this.state.databases;
  }

  /** A table, or undefined (no error) when it or its database does not exist. */
  findTable(databaseName: string, tableName: string): GlueTable | undefined {
    const table = this.state.databases[lower(databaseName)]?.tables[lower(tableName)]?.table;
    return table ? jsonCopy(table) : undefined;
  }

  tables(databaseName: string): GlueTable[] {
    return Object.values(this.state.databases[lower(databaseName)]?.tables ?? {}).map((record) =>
      jsonCopy(record.table),
    );
  }

  databases(): GlueDatabase[] {
    return Object.values(this.state.databases).map((record) => jsonCopy(record.database));
  }

  getDatabase(name: string): GlueDatabase {
    return jsonCopy(this.databaseRecord(name).database);
  }

  /** A database's tables; unlike tables(), an unknown database is an error. */
  tablesIn(databaseName: string): GlueTable[] {
    return Object.values(this.databaseRecord(databaseName).tables).map((record) => jsonCopy(record.table));
  }

  getTable(databaseName: string, tableName: string): GlueTable {
    return jsonCopy(this.tableRecord(databaseName, tableName).table);
  }

  createDatabase(input: DatabaseInput): void {
    const name = lower(input.Name);
    if (this.state.databases[name]) throw alreadyExists('Database already exists.');
    this.state.databases[name] = {
      database: { ...input, Name: name, CatalogId: LOCAL_ACCOUNT_ID, CreateTime: epochSeconds() },
      tables: {},
    };
    this.save();
  }

  /** UpdateDatabase replaces the definition; the name stays (Glue renames nothing). */
  updateDatabase(name: string, input: DatabaseInput): void {
    const record = this.databaseRecord(name);
    if (lower(input.Name) !== record.database.Name) {
      throw invalidInput(`Database ${name} cannot be renamed to ${input.Name}`);
    }
    record.database = {
      ...input,
      Name: record.database.Name,
      CatalogId: LOCAL_ACCOUNT_ID,
      CreateTime: record.database.CreateTime,
    };
    this.save();
  }

  deleteDatabase(name: string): void {
    this.databaseRecord(name);
    delete this.state.databases[lower(name)]; // its tables and partitions go with it, as in Glue
    this.save();
  }

  private newTable(databaseName: string, input: TableInput, createdBy: string | undefined): GlueTable {
    const now = epochSeconds();
    return {
      ...input,
      Name: lower(input.Name),
      DatabaseName: lower(databaseName),
      CatalogId: LOCAL_ACCOUNT_ID,
      CreateTime: now,
      UpdateTime: now,
      PartitionKeys: input.PartitionKeys ?? [],
      Retention: input.Retention ?? 0,
      VersionId: '0',
      IsRegisteredWithLakeFormation: false,
      ...(createdBy ? { CreatedBy: createdBy } : {}),
    };
  }

  createTable(databaseName: string, input: TableInput, createdBy?: string): void {
    const database = this.databaseRecord(databaseName);
    const name = lower(input.Name);
    if (database.tables[name]) throw alreadyExists('Table already exists.');
    database.tables[name] = { table: this.newTable(databaseName, input, createdBy), partitions: {} };
    this.save();
  }

  updateTable(databaseName: string, input: TableInput): void {
    const record = this.tableRecord(databaseName, input.Name);
    const previous = record.table;
    record.table = {
      ...this.newTable(databaseName, input, previous.CreatedBy),
      CreateTime: previous.CreateTime,
      VersionId: String(Number(previous.VersionId) + 1),
    };
    this.save();
  }

  deleteTable(databaseName: string, tableName: string): void {
    this.tableRecord(databaseName, tableName);
    delete this.databaseRecord(databaseName).tables[lower(tableName)];
    this.save();
  }

  /** A crawler's write: creates the table, or replaces its schema when `update` allows (UPDATE_IN_DATABASE). */
  putCrawledTable(
    databaseName: string,
    input: TableInput,
    options: { update: boolean; createdBy: string },
  ): CrawledTableOutcome {
    const database = this.databaseRecord(databaseName);
    const existing = database.tables[lower(input.Name)];
    if (!existing) {
      database.tables[lower(input.Name)] = {
        table: this.newTable(databaseName, input, options.createdBy),
        partitions: {},
      };
      this.save();
      return 'created';
    }
    if (!options.update) return 'unchanged';
    this.updateTable(databaseName, input);
    return 'updated';
  }

  /** Parameters of a table changed in place (a crawler deprecating a table whose data is gone). */
  setTableParameters(databaseName: string, tableName: string, parameters: Record<string, string>): void {
    const record = this.tableRecord(databaseName, tableName);
    record.table.Parameters = { ...record.table.Parameters, ...parameters };
    record.table.UpdateTime = epochSeconds();
    this.save();
  }

  private partitionRecord(table: TableRecord, values: readonly string[]): GluePartition {
    const partition = table.partitions[partitionKey(values)];
    if (!partition) throw entityNotFound('Cannot find partition.');
    return partition;
  }

  private checkPartitionValues(table: TableRecord, values: readonly string[]): void {
    if (values.length !== table.table.PartitionKeys.length) {
      throw invalidInput(
        `The number of partition keys do not match the number of partition values: table ${table.table.Name} has ${table.table.PartitionKeys.length} partition keys, the partition gives ${values.length} values`,
      );
    }
  }

  private addPartition(table: TableRecord, input: PartitionInput): void {
    this.checkPartitionValues(table, input.Values);
    const key = partitionKey(input.Values);
    if (table.partitions[key]) throw alreadyExists('Partition already exists.');
    table.partitions[key] = {
      ...input,
      DatabaseName: table.table.DatabaseName,
      TableName: table.table.Name,
      CatalogId: LOCAL_ACCOUNT_ID,
      CreationTime: epochSeconds(),
    };
  }

  createPartition(ref: PartitionTableRef, input: PartitionInput): void {
    this.addPartition(this.partitionTable(ref), input);
    this.save();
  }

  /** Creates each partition it can; the others' errors are returned, as BatchCreatePartition reports them. */
  batchCreatePartitions(ref: PartitionTableRef, inputs: readonly PartitionInput[]): unknown[] {
    const table = this.partitionTable(ref);
    const errors: unknown[] = [];
    for (const partition of inputs) {
      try {
        this.addPartition(table, partition);
      } catch (error) {
        const { code, message } = error as { code?: string; message: string };
        errors.push({ PartitionValues: partition.Values, ErrorDetail: { ErrorCode: code, ErrorMessage: message } });
      }
    }
    this.save();
    return errors;
  }

  getPartition(ref: PartitionTableRef, values: readonly string[]): GluePartition {
    return jsonCopy(this.partitionRecord(this.partitionTable(ref), values));
  }

  /** A table's partitions with their keys in the store (the order GetPartitions pages in). */
  partitionsByKey(ref: PartitionTableRef): { key: string; partition: GluePartition }[] {
    const table = this.partitionTable(ref);
    return Object.entries(table.partitions).map(([key, partition]) => ({ key, partition: jsonCopy(partition) }));
  }

  /** Replaces a partition, its values included; it keeps its CreationTime. */
  updatePartition(ref: PartitionTableRef, values: readonly string[], input: PartitionInput): void {
    const table = this.partitionTable(ref);
    const previous = this.partitionRecord(table, values);
    this.checkPartitionValues(table, input.Values);
    delete table.partitions[partitionKey(values)];
    table.partitions[partitionKey(input.Values)] = {
      ...input,
      DatabaseName: table.table.DatabaseName,
      TableName: table.table.Name,
      CatalogId: LOCAL_ACCOUNT_ID,
      CreationTime: previous.CreationTime,
    };
    this.save();
  }

  deletePartition(ref: PartitionTableRef, values: readonly string[]): void {
    const table = this.partitionTable(ref);
    this.partitionRecord(table, values);
    delete table.partitions[partitionKey(values)];
    this.save();
  }

  /** Every partition of a table (for the local Athena). */
  partitions(databaseName: string, tableName: string): GluePartition[] {
    const record = this.state.databases[lower(databaseName)]?.tables[lower(tableName)];
    return record ? Object.values(record.partitions).map((partition) => jsonCopy(partition)) : [];
  }

  /** The Data Catalog operations of the Glue JSON API. */
  operations(): Record<string, JsonOperation> {
    return { ...catalogOperations(this), ...partitionOperations(this) };
  }
}
