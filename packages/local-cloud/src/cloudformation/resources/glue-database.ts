import { LOCAL_ACCOUNT_ID } from '../../contracts';
import { callService, ignoreNotFound, isRecord, throughService } from './service-calls';
import { generatedName, optionalString, propertiesError, type Provisioner, type ResourceContext } from './types';

/** The DatabaseInput to send: the template's, named (a generated lower-case name when it has none). */
const databaseInput = (ctx: ResourceContext, properties: Record<string, unknown>, name?: string) => {
  const input = properties.DatabaseInput;
  if (!isRecord(input)) throw propertiesError(ctx, '#: required key [DatabaseInput] not found');
  const given = optionalString(input, 'Name', ctx) ?? optionalString(properties, 'DatabaseName', ctx);
  return { ...input, Name: name ?? (given ?? generatedName(ctx, 255, { lowerCase: true })).toLowerCase() };
};

const catalogId = (ctx: ResourceContext, properties: Record<string, unknown>): string =>
  optionalString(properties, 'CatalogId', ctx) ?? LOCAL_ACCOUNT_ID;

/** AWS::Glue::Database: a database of the local Glue Data Catalog; Ref is its (lower-case) name. */
export const glueDatabaseProvisioner: Provisioner = throughService('glue', {
  async create(ctx, properties) {
    const input = databaseInput(ctx, properties);
    await callService(ctx, 'glue', 'CreateDatabase', { CatalogId: catalogId(ctx, properties), DatabaseInput: input });
    return { physicalId: input.Name, attributes: {} };
  },
  async update(ctx, current, properties) {
    await callService(ctx, 'glue', 'UpdateDatabase', {
      CatalogId: catalogId(ctx, properties),
      Name: current.physicalId,
      DatabaseInput: databaseInput(ctx, properties, current.physicalId),
    });
    return { physicalId: current.physicalId, attributes: {} };
  },
  async delete(ctx, current) {
    await callService(ctx, 'glue', 'DeleteDatabase', { Name: current.physicalId }).catch(
      ignoreNotFound('EntityNotFoundException'),
    );
  },
});
