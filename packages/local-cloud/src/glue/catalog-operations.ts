import { z } from 'zod';
import { parseInput } from '../json-input';
import type { JsonOperation } from '../json-protocol';
import { pageByKey } from '../paging';
import type { GlueCatalog } from './catalog';
import { CatalogIdSchema, DatabaseInputSchema, Name, TableInputSchema } from './catalog-shapes';
import { INVALID_INPUT, invalidInput } from './errors';

const GetterPageSize = z.number().int().min(1).max(100).optional();

/** Glue's GetTables Expression: a regular expression over table names (`*` alone means any name). */
const tableNameFilter = (expression: string | undefined): ((name: string) => boolean) => {
  if (expression === undefined || expression === '') return () => true;
  const pattern = expression === '*' ? '.*' : expression;
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${pattern})$`);
  } catch {
    throw invalidInput(`Expression ${expression} is not a valid regular expression`);
  }
  return (name) => regex.test(name);
};

/** The database and table operations of the Glue JSON API: validate the input, call the catalog, shape the answer. */
export const catalogOperations = (catalog: GlueCatalog): Record<string, JsonOperation> => {
  const parse = <T extends z.ZodType>(schema: T, input: unknown): z.infer<T> =>
    parseInput(schema, input, INVALID_INPUT);
  return {
    CreateDatabase: async (raw) => {
      const input = parse(z.object({ CatalogId: CatalogIdSchema, DatabaseInput: DatabaseInputSchema }), raw);
      catalog.checkCatalog(input.CatalogId);
      catalog.createDatabase(input.DatabaseInput);
      return {};
    },
    GetDatabase: async (raw) => {
      const input = parse(z.object({ CatalogId: CatalogIdSchema, Name }), raw);
      catalog.checkCatalog(input.CatalogId);
      return { Database: catalog.getDatabase(input.Name) };
    },
    GetDatabases: async (raw) => {
      const input = parse(
        z.object({ CatalogId: CatalogIdSchema, NextToken: z.string().optional(), MaxResults: GetterPageSize }),
        raw,
      );
      catalog.checkCatalog(input.CatalogId);
      const page = pageByKey(catalog.databases(), (database) => database.Name, {
        nextToken: input.NextToken,
        maxResults: input.MaxResults,
        defaultMax: 100,
        errorCode: INVALID_INPUT,
      });
      return { DatabaseList: page.items, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
    },
    UpdateDatabase: async (raw) => {
      const input = parse(z.object({ CatalogId: CatalogIdSchema, Name, DatabaseInput: DatabaseInputSchema }), raw);
      catalog.checkCatalog(input.CatalogId);
      catalog.updateDatabase(input.Name, input.DatabaseInput);
      return {};
    },
    DeleteDatabase: async (raw) => {
      const input = parse(z.object({ CatalogId: CatalogIdSchema, Name }), raw);
      catalog.checkCatalog(input.CatalogId);
      catalog.deleteDatabase(input.Name);
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
      catalog.checkCatalog(input.CatalogId);
      if (input.OpenTableFormatInput !== undefined || !input.TableInput) {
        throw invalidInput(
          'The local Glue creates Hive tables from TableInput only (OpenTableFormatInput is not supported)',
        );
      }
      catalog.createTable(input.DatabaseName, input.TableInput);
      return {};
    },
    GetTable: async (raw) => {
      const input = parse(z.object({ CatalogId: CatalogIdSchema, DatabaseName: Name, Name }), raw);
      catalog.checkCatalog(input.CatalogId);
      return { Table: catalog.getTable(input.DatabaseName, input.Name) };
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
      catalog.checkCatalog(input.CatalogId);
      const tables = catalog.tablesIn(input.DatabaseName);
      const matches = tableNameFilter(input.Expression);
      const page = pageByKey(
        tables.filter((table) => matches(table.Name)),
        (table) => table.Name,
        { nextToken: input.NextToken, maxResults: input.MaxResults, defaultMax: 100, errorCode: INVALID_INPUT },
      );
      return { TableList: page.items, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
    },
    UpdateTable: async (raw) => {
      const input = parse(
        z.object({ CatalogId: CatalogIdSchema, DatabaseName: Name, TableInput: TableInputSchema }),
        raw,
      );
      catalog.checkCatalog(input.CatalogId);
      catalog.updateTable(input.DatabaseName, input.TableInput);
      return {};
    },
    DeleteTable: async (raw) => {
      const input = parse(z.object({ CatalogId: CatalogIdSchema, DatabaseName: Name, Name }), raw);
      catalog.checkCatalog(input.CatalogId);
      catalog.deleteTable(input.DatabaseName, input.Name);
      return {};
    },
  };
};
