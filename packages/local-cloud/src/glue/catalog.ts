import { z } from 'zod';
import { LOCAL_ACCOUNT_ID } from '../contracts';
import { epochSeconds, jsonCopy, parseInput } from '../json-input';
import type { JsonOperation } from '../json-protocol';
import { pageByKey } from '../paging';
import { readJsonState, stateFile, writeJsonState } from '../persistence';
import { alreadyExists, entityNotFound, foreignCatalog, INVALID_INPUT, invalidInput } from './errors';

const Parameters = z.record(z.string(), z.string());
const Name = z.string().min(1).max(255);

const ColumnSchema = z.looseObject({ Name, Type: z.string().max(131072).optional(), Comment: z.string().optional() });

const StorageDescriptorSchema = z.looseObject({
  Columns: z.array(ColumnSchema).optional(),
  Location: z.string().optional(),
  InputFormat: z.string().optional(),
  OutputFormat: z.string().optional(),
  SerdeInfo: z
    .looseObject({
      Name: z.string().optional(),
      SerializationLibrary: z.string().optional(),
      Parameters: Parameters.optional(),
    })
    .optional(),
  Parameters: Parameters.optional(),
});

const DatabaseInputSchema = z.looseObject({
  Name,
  Description: z.string().max(2048).optional(),
  LocationUri: z.string().optional(),
  Parameters: Parameters.optional(),
});

const TableInputSchema = z.looseObject({
  Name,
  Description: z.string().max(2048).optional(),
  Owner: z.string().optional(),
  Retention: z.number().int().nonnegative().optional(),
  StorageDescriptor: StorageDescriptorSchema.optional(),
  PartitionKeys: z.array(ColumnSchema).optional(),
  TableType: z.string().optional(),
  Parameters: Parameters.optional(),
  ViewOriginalText: z.string().optional(),
  ViewExpandedText: z.string().optional(),
});

const PartitionInputSchema = z.looseObject({
  Values: z.array(z.string()),
  StorageDescriptor: StorageDescriptorSchema.optional(),
  Parameters: Parameters.optional(),
});

export type GlueColumn = z.infer<typeof ColumnSchema>;
export type GlueStorageDescriptor = z.infer<typeof StorageDescriptorSchema>;
export type DatabaseInput = z.infer<typeof DatabaseInputSchema>;
export type TableInput = z.infer<typeof TableInputSchema>;

/** A table as GetTable returns it. */
export type GlueTable = TableInput & {
  DatabaseName: string;
  CatalogId: string;
  CreateTime: number;
  UpdateTime: number;
  PartitionKeys: GlueColumn[];
  Retention: number;
  VersionId: string;
  IsRegisteredWithLakeFormation: boolean;
  CreatedBy?: string;
};

export type GlueDatabase = DatabaseInput & { CatalogId: string; CreateTime: number };

export type GluePartition = z.infer<typeof PartitionInputSchema> & {
  DatabaseName: string;
  TableName: string;
  CatalogId: string;
  CreationTime: number;
};

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

const CatalogIdSchema = z.string().optional();
const GetterPageSize = z.number().int().min(1).max(100).optional();
const PartitionPageSize = z.number().int().min(1).max(1000).optional();
/** The table every partition operation names: its catalog, database and table. */
const PartitionTableFields = { CatalogId: CatalogIdSchema, DatabaseName: Name, TableName: Name };

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

  private checkCatalog(catalogId: string | undefined): void {
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
  private partitionTable(input: {
    CatalogId?: string | undefined;
    DatabaseName: string;
    TableName: string;
  }): TableRecord {
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

  createDatabase(input: DatabaseInput): void {
    const name = lower(input.Name);
    if (this.state.databases[name]) throw alreadyExists('Database already exists.');
    this.state.databases[name] = {
      database: { ...input, Name: name, CatalogId: LOCAL_ACCOUNT_ID, CreateTime: epochSeconds() },
      tables: {},
    };
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

  private createPartition(table: TableRecord, input: z.infer<typeof PartitionInputSchema>): void {
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

  /** Every partition of a table (for the local Athena). */
  partitions(databaseName: string, tableName: string): GluePartition[] {
    const record = this.state.databases[lower(databaseName)]?.tables[lower(tableName)];
    return record ? Object.values(record.partitions).map((partition) => jsonCopy(partition)) : [];
  }

  /** The Data Catalog operations of the Glue JSON API. */
  operations(): Record<string, JsonOperation> {
    const parse = <T extends z.ZodType>(schema: T, input: unknown): z.infer<T> =>
      parseInput(schema, input, INVALID_INPUT);
    return {
      CreateDatabase: async (raw) => {
        const input = parse(z.object({ CatalogId: CatalogIdSchema, DatabaseInput: DatabaseInputSchema }), raw);
        this.checkCatalog(input.CatalogId);
        this.createDatabase(input.DatabaseInput);
        return {};
      },
      GetDatabase: async (raw) => {
        const input = parse(z.object({ CatalogId: CatalogIdSchema, Name }), raw);
        this.checkCatalog(input.CatalogId);
        return { Database: jsonCopy(this.databaseRecord(input.Name).database) };
      },
      GetDatabases: async (raw) => {
        const input = parse(
          z.object({ CatalogId: CatalogIdSchema, NextToken: z.string().optional(), MaxResults: GetterPageSize }),
          raw,
        );
        this.checkCatalog(input.CatalogId);
        const page = pageByKey(this.databases(), (database) => database.Name, {
          nextToken: input.NextToken,
          maxResults: input.MaxResults,
          defaultMax: 100,
          errorCode: INVALID_INPUT,
        });
        return { DatabaseList: page.items, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
      },
      UpdateDatabase: async (raw) => {
        const input = parse(z.object({ CatalogId: CatalogIdSchema, Name, DatabaseInput: DatabaseInputSchema }), raw);
        this.checkCatalog(input.CatalogId);
        const record = this.databaseRecord(input.Name);
        if (lower(input.DatabaseInput.Name) !== record.database.Name) {
          throw invalidInput(`Database ${input.Name} cannot be renamed to ${input.DatabaseInput.Name}`);
        }
        record.database = {
          ...input.DatabaseInput,
          Name: record.database.Name,
          CatalogId: LOCAL_ACCOUNT_ID,
          CreateTime: record.database.CreateTime,
        };
        this.save();
        return {};
      },
      DeleteDatabase: async (raw) => {
        const input = parse(z.object({ CatalogId: CatalogIdSchema, Name }), raw);
        this.checkCatalog(input.CatalogId);
        this.databaseRecord(input.Name);
        delete this.state.databases[lower(input.Name)]; // its tables and partitions go with it, as in Glue
        this.save();
        return {};
      },
      CreateTable: async (raw) => {
        const input = parse(
          z.object({
            CatalogId: CatalogIdSchema,
            DatabaseName: Name,
            TableInput: TableInputSchema.optional(),
            OpenTableFormatInput: z.unknown().optional(),
          }),
          raw,
        );
        this.checkCatalog(input.CatalogId);
        if (input.OpenTableFormatInput !== undefined || !input.TableInput) {
          throw invalidInput(
            'The local Glue creates Hive tables from TableInput only (OpenTableFormatInput is not supported)',
          );
        }
        this.createTable(input.DatabaseName, input.TableInput);
        return {};
      },
      GetTable: async (raw) => {
        const input = parse(z.object({ CatalogId: CatalogIdSchema, DatabaseName: Name, Name }), raw);
        this.checkCatalog(input.CatalogId);
        return { Table: jsonCopy(this.tableRecord(input.DatabaseName, input.Name).table) };
      },
      GetTables: async (raw) => {
        const input = parse(
          z.object({
            CatalogId: CatalogIdSchema,
            DatabaseName: Name,
            Expression: z.string().optional(),
            NextToken: z.string().optional(),
            MaxResults: GetterPageSize,
          }),
          raw,
        );
        this.checkCatalog(input.CatalogId);
        const database = this.databaseRecord(input.DatabaseName);
        let matches: (name: string) => boolean = () => true;
        if (input.Expression !== undefined && input.Expression !== '') {
          // Glue's Expression is a regular expression over table names (`*` alone means any name).
          const pattern = input.Expression === '*' ? '.*' : input.Expression;
          let regex: RegExp;
          try {
            regex = new RegExp(`^(?:${pattern})$`);
          } catch {
            throw invalidInput(`Expression ${input.Expression} is not a valid regular expression`);
          }
          matches = (name) => regex.test(name);
        }
        const tables = Object.values(database.tables)
          .map((record) => record.table)
          .filter((table) => matches(table.Name));
        const page = pageByKey(tables, (table) => table.Name, {
          nextToken: input.NextToken,
          maxResults: input.MaxResults,
          defaultMax: 100,
          errorCode: INVALID_INPUT,
        });
        return { TableList: jsonCopy(page.items), ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
      },
      UpdateTable: async (raw) => {
        const input = parse(
          z.object({ CatalogId: CatalogIdSchema, DatabaseName: Name, TableInput: TableInputSchema }),
          raw,
        );
        this.checkCatalog(input.CatalogId);
        this.updateTable(input.DatabaseName, input.TableInput);
        return {};
      },
      DeleteTable: async (raw) => {
        const input = parse(z.object({ CatalogId: CatalogIdSchema, DatabaseName: Name, Name }), raw);
        this.checkCatalog(input.CatalogId);
        this.deleteTable(input.DatabaseName, input.Name);
        return {};
      },
      CreatePartition: async (raw) => {
        const input = parse(
          z.object({
            ...PartitionTableFields,
            PartitionInput: PartitionInputSchema,
          }),
          raw,
        );
        this.createPartition(this.partitionTable(input), input.PartitionInput);
        this.save();
        return {};
      },
      BatchCreatePartition: async (raw) => {
        const input = parse(
          z.object({
            ...PartitionTableFields,
            PartitionInputList: z.array(PartitionInputSchema).max(100),
          }),
          raw,
        );
        const table = this.partitionTable(input);
        const errors: unknown[] = [];
        for (const partition of input.PartitionInputList) {
          try {
            this.createPartition(table, partition);
          } catch (error) {
            const { code, message } = error as { code?: string; message: string };
            errors.push({ PartitionValues: partition.Values, ErrorDetail: { ErrorCode: code, ErrorMessage: message } });
          }
        }
        this.save();
        return errors.length > 0 ? { Errors: errors } : {};
      },
      GetPartition: async (raw) => {
        const input = parse(
          z.object({
            ...PartitionTableFields,
            PartitionValues: z.array(z.string()),
          }),
          raw,
        );
        const table = this.partitionTable(input);
        return { Partition: jsonCopy(this.partitionRecord(table, input.PartitionValues)) };
      },
      GetPartitions: async (raw) => {
        const input = parse(
          z.object({
            ...PartitionTableFields,
            Expression: z.string().optional(),
            NextToken: z.string().optional(),
            MaxResults: PartitionPageSize,
            ExcludeColumnSchema: z.boolean().optional(),
          }),
          raw,
        );
        this.checkCatalog(input.CatalogId);
        if (input.Expression !== undefined && input.Expression !== '') {
          throw invalidInput('The local Glue does not evaluate partition Expressions; call GetPartitions without one');
        }
        const table = this.tableRecord(input.DatabaseName, input.TableName);
        const page = pageByKey(Object.entries(table.partitions), ([key]) => key, {
          nextToken: input.NextToken,
          maxResults: input.MaxResults,
          defaultMax: 1000,
          errorCode: INVALID_INPUT,
        });
        const partitions = page.items.map(([, partition]) => {
          const copy = jsonCopy(partition);
          if (input.ExcludeColumnSchema && copy.StorageDescriptor) delete copy.StorageDescriptor.Columns;
          return copy;
        });
        return { Partitions: partitions, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
      },
      UpdatePartition: async (raw) => {
        const input = parse(
          z.object({
            ...PartitionTableFields,
            PartitionValueList: z.array(z.string()),
            PartitionInput: PartitionInputSchema,
          }),
          raw,
        );
        const table = this.partitionTable(input);
        const previous = this.partitionRecord(table, input.PartitionValueList);
        this.checkPartitionValues(table, input.PartitionInput.Values);
        delete table.partitions[partitionKey(input.PartitionValueList)];
        table.partitions[partitionKey(input.PartitionInput.Values)] = {
          ...input.PartitionInput,
          DatabaseName: table.table.DatabaseName,
          TableName: table.table.Name,
          CatalogId: LOCAL_ACCOUNT_ID,
          CreationTime: previous.CreationTime,
        };
        this.save();
        return {};
      },
      DeletePartition: async (raw) => {
        const input = parse(
          z.object({
            ...PartitionTableFields,
            PartitionValues: z.array(z.string()),
          }),
          raw,
        );
        const table = this.partitionTable(input);
        this.partitionRecord(table, input.PartitionValues);
        delete table.partitions[partitionKey(input.PartitionValues)];
        this.save();
        return {};
      },
    };
  }
}
