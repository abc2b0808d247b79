import { LOCAL_ACCOUNT_ID } from '../../contracts';
import { callService, coerceScalars, ignoreNotFound, isRecord, throughService } from './service-calls';
import {
  generatedName,
  optionalString,
  propertiesError,
  type Provisioner,
  type ResourceContext,
  requiredString,
} from './types';

const SCALARS = {
  numbers: ['Retention', 'NumberOfBuckets', 'SortOrder'],
  booleans: ['Compressed', 'StoredAsSubDirectories'],
};

const tableInput = (ctx: ResourceContext, properties: Record<string, unknown>, name?: string) => {
  if (properties.OpenTableFormatInput !== undefined) {
    throw propertiesError(ctx, '#/OpenTableFormatInput: the local Glue creates Hive tables only (no Iceberg tables)');
  }
  const input = properties.TableInput;
  if (!isRecord(input)) throw propertiesError(ctx, '#: required key [TableInput] not found');
  const given = optionalString(input, 'Name', ctx) ?? optionalString(properties, 'Name', ctx);
  return {
    ...(coerceScalars(input, SCALARS) as Record<string, unknown>),
    Name: name ?? (given ?? generatedName(ctx, 255, { lowerCase: true })).toLowerCase(),
  };
};

const catalogId = (ctx: ResourceContext, properties: Record<string, unknown>): string =>
  optionalString(properties, 'CatalogId', ctx) ?? LOCAL_ACCOUNT_ID;

/** AWS::Glue::Table: a table of the local Glue Data Catalog (Athena reads it); Ref is its (lower-case) name. */
export const glueTableProvisioner: Provisioner = throughService('glue', {
  async create(ctx, properties) {
    const input = tableInput(ctx, properties);
    await callService(ctx, 'glue', 'CreateTable', {
      CatalogId: catalogId(ctx, properties),
      DatabaseName: requiredString(properties, 'DatabaseName', ctx),
      TableInput: input,
    });
    return { physicalId: input.Name, attributes: { Id: input.Name } };
  },
  async update(ctx, current, properties) {
    await callService(ctx, 'glue', 'UpdateTable', {
      CatalogId: catalogId(ctx, properties),
      DatabaseName: requiredString(properties, 'DatabaseName', ctx),
      TableInput: tableInput(ctx, properties, current.physicalId),
    });
    return { physicalId: current.physicalId, attributes: { Id: current.physicalId } };
  },
  async delete(ctx, current) {
    await callService(ctx, 'glue', 'DeleteTable', {
      DatabaseName: requiredString(current.properties, 'DatabaseName', ctx),
      Name: current.physicalId,
    }).catch(ignoreNotFound('EntityNotFoundException'));
  },
});
