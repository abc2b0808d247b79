import { callService, coerceScalars, isRecord, throughService } from './service-calls';
import { type CurrentResource, type Provisioner, type ResourceContext, requiredString } from './types';

const SCALARS = {
  numbers: ['BytesScannedCutoffPerQuery'],
  booleans: [
    'EnforceWorkGroupConfiguration',
    'PublishCloudWatchMetricsEnabled',
    'RequesterPaysEnabled',
    'RecursiveDeleteOption',
    'EnableMinimumEncryptionConfiguration',
  ],
};

const configurationOf = (properties: Record<string, unknown>): Record<string, unknown> => {
  const configuration = coerceScalars(properties.WorkGroupConfiguration ?? {}, SCALARS);
  return isRecord(configuration) ? configuration : {};
};

/** UpdateWorkGroup's ConfigurationUpdates that turn the current configuration into the template's. */
const configurationUpdates = (configuration: Record<string, unknown>): Record<string, unknown> => {
  const result = isRecord(configuration.ResultConfiguration) ? configuration.ResultConfiguration : {};
  const member = (key: string) => (result[key] === undefined ? { [`Remove${key}`]: true } : { [key]: result[key] });
  return {
    EnforceWorkGroupConfiguration: configuration.EnforceWorkGroupConfiguration ?? true,
    PublishCloudWatchMetricsEnabled: configuration.PublishCloudWatchMetricsEnabled ?? false,
    RequesterPaysEnabled: configuration.RequesterPaysEnabled ?? false,
    ...(configuration.BytesScannedCutoffPerQuery === undefined
      ? { RemoveBytesScannedCutoffPerQuery: true }
      : { BytesScannedCutoffPerQuery: configuration.BytesScannedCutoffPerQuery }),
    ...(configuration.EngineVersion !== undefined ? { EngineVersion: configuration.EngineVersion } : {}),
    ResultConfigurationUpdates: {
      ...member('OutputLocation'),
      ...member('EncryptionConfiguration'),
      ...member('ExpectedBucketOwner'),
      ...member('AclConfiguration'),
    },
  };
};

/** Ref is the name; GetAtt gives the creation time (UNIX seconds) and the effective engine version. */
const attributesOf = async (ctx: ResourceContext, name: string): Promise<Record<string, unknown>> => {
  const { WorkGroup } = (await callService(ctx, 'athena', 'GetWorkGroup', { WorkGroup: name })) as {
    WorkGroup: { CreationTime: number; Configuration?: { EngineVersion?: { EffectiveEngineVersion?: string } } };
  };
  return {
    CreationTime: String(Math.floor(WorkGroup.CreationTime)),
    'WorkGroupConfiguration.EngineVersion.EffectiveEngineVersion':
      WorkGroup.Configuration?.EngineVersion?.EffectiveEngineVersion,
  };
};

/** AWS::Athena::WorkGroup: a workgroup of the local Athena (its result location is where query results go). */
export const athenaWorkGroupProvisioner: Provisioner = throughService('athena', {
  async create(ctx, properties) {
    const name = requiredString(properties, 'Name', ctx);
    await callService(ctx, 'athena', 'CreateWorkGroup', {
      Name: name,
      ...(properties.Description !== undefined ? { Description: properties.Description } : {}),
      Configuration: configurationOf(properties),
    });
    if (properties.State === 'DISABLED') {
      await callService(ctx, 'athena', 'UpdateWorkGroup', { WorkGroup: name, State: 'DISABLED' });
    }
    return { physicalId: name, attributes: await attributesOf(ctx, name) };
  },
  async update(ctx, current, properties) {
    await callService(ctx, 'athena', 'UpdateWorkGroup', {
      WorkGroup: current.physicalId,
      Description: typeof properties.Description === 'string' ? properties.Description : '',
      State: properties.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
      ConfigurationUpdates: configurationUpdates(configurationOf(properties)),
    });
    return { physicalId: current.physicalId, attributes: await attributesOf(ctx, current.physicalId) };
  },
  async delete(ctx: ResourceContext, current: CurrentResource) {
    const recursive = coerceScalars(current.properties, SCALARS) as { RecursiveDeleteOption?: boolean };
    await callService(ctx, 'athena', 'DeleteWorkGroup', {
      WorkGroup: current.physicalId,
      RecursiveDeleteOption: recursive.RecursiveDeleteOption ?? false,
    }).catch((error: unknown) => {
      // Athena reports an unknown workgroup as InvalidRequestException "WorkGroup <name> is not found."
      if (!/is not found/.test((error as Error).message)) throw error;
    });
  },
});
