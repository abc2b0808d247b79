import { z } from 'zod';

// The Data Catalog's wire shapes: what the API takes (inputs) and what the store keeps and returns.
const Parameters = z.record(z.string(), z.string());
export const Name = z.string().min(1).max(255);
/** Every catalog operation may name the catalog: the account id. */
export const CatalogIdSchema = z.string().optional();

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

export const DatabaseInputSchema = z.looseObject({
  Name,
  Description: z.string().max(2048).optional(),
  LocationUri: z.string().optional(),
  Parameters: Parameters.optional(),
});

export const TableInputSchema = z.looseObject({
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

export const PartitionInputSchema = z.looseObject({
  Values: z.array(z.string()),
  StorageDescriptor: StorageDescriptorSchema.optional(),
  Parameters: Parameters.optional(),
});

export type GlueColumn = z.infer<typeof ColumnSchema>;
export type GlueStorageDescriptor = z.infer<typeof StorageDescriptorSchema>;
export type DatabaseInput = z.infer<typeof DatabaseInputSchema>;
export type TableInput = z.infer<typeof TableInputSchema>;
export type PartitionInput = z.infer<typeof PartitionInputSchema>;

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

export type GluePartition = PartitionInput & {
  DatabaseName: string;
  TableName: string;
  CatalogId: string;
  CreationTime: number;
};
