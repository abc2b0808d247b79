import { z } from 'zod';
import { parseInput } from '../json-input';
import type { JsonOperation } from '../json-protocol';
import { pageByKey } from '../paging';
import type { GlueCatalog } from './catalog';
import { CatalogIdSchema, Name, PartitionInputSchema } from './catalog-shapes';
import { INVALID_INPUT, invalidInput } from './errors';

const PartitionPageSize = z.number().int().min(1).max(1000).optional();
/** The table every partition operation names: its catalog, database and table. */
const PartitionTableFields = { CatalogId: CatalogIdSchema, DatabaseName: Name, TableName: Name };

/** The partition operations of the Glue JSON API: validate the input, call the catalog, shape the answer. */
export const partitionOperations = (catalog: GlueCatalog): Record<string, JsonOperation> => {
  const parse = <T extends z.ZodType>(schema: T, input: unknown): z.infer<T> =>
    parseInput(schema, input, INVALID_INPUT);
  return {
    CreatePartition: async (raw) => {
      const input = parse(
        z.object({
          ...PartitionTableFields,
          PartitionInput: PartitionInputSchema,
        }),
        raw,
      );
      catalog.createPartition(input, input.PartitionInput);
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
      const errors = catalog.batchCreatePartitions(input, input.PartitionInputList);
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
      return { Partition: catalog.getPartition(input, input.PartitionValues) };
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
      catalog.checkCatalog(input.CatalogId);
      if (input.Expression !== undefined && input.Expression !== '') {
        throw invalidInput('The local Glue does not evaluate partition Expressions; call GetPartitions without one');
      }
      const page = pageByKey(catalog.partitionsByKey(input), (entry) => entry.key, {
        nextToken: input.NextToken,
        maxResults: input.MaxResults,
        defaultMax: 1000,
        errorCode: INVALID_INPUT,
      });
      const partitions = page.items.map(({ partition }) => {
        if (input.ExcludeColumnSchema && partition.StorageDescriptor) delete partition.StorageDescriptor.Columns;
        return partition;
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
      catalog.updatePartition(input, input.PartitionValueList, input.PartitionInput);
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
      catalog.deletePartition(input, input.PartitionValues);
      return {};
    },
  };
};
