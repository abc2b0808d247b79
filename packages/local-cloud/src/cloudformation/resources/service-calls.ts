import { isAwsServiceError } from '../../aws-error';
import type { LocalServiceClient } from '../../contracts';
import { recordedProvisioner } from './recorded';
import { type ProvisionerDeps, type Provisioner, type ResourceContext, ResourceProvisioningError } from './types';

type ServiceKey = 'glue' | 'athena' | 'secretsManager';

const SERVICE_NAMES: Record<ServiceKey, string> = { glue: 'Glue', athena: 'Athena', secretsManager: 'SecretsManager' };

/** A call into a local JSON service; its error becomes the resource's status reason, worded as CloudFormation does. */
export const callService = async (
  ctx: ResourceContext,
  service: ServiceKey,
  operation: string,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> => {
  const client = ctx.deps[service] as LocalServiceClient;
  try {
    return await client.call(operation, input);
  } catch (error) {
    if (!isAwsServiceError(error)) throw error;
    throw Object.assign(
      new ResourceProvisioningError(
        `${error.message} (Service: ${SERVICE_NAMES[service]}, Status Code: ${error.statusCode}, Error Code: ${error.code})`,
      ),
      { code: error.code },
    );
  }
};

/** The AWS error code behind a failed callService, if any. */
export const errorCode = (error: unknown): string | undefined => (error as { code?: string }).code;

/** Deleting what is already gone succeeds, as CloudFormation's handlers do. */
export const ignoreNotFound =
  (...codes: string[]) =>
  (error: unknown): void => {
    if (!codes.includes(errorCode(error) ?? '')) throw error;
  };

/**
 * A provider that runs through a local service; an engine built without that service (a unit harness with fake
 * S3/Lambda/Step Functions only) records the resource instead, as it did before the service existed.
 */
export const throughService = (service: ServiceKey, provisioner: Provisioner): Provisioner => {
  const pick = (deps: ProvisionerDeps): Provisioner => (deps[service] ? provisioner : recordedProvisioner);
  return {
    create: (ctx, properties) => pick(ctx.deps).create(ctx, properties),
    update: (ctx, current, properties) => pick(ctx.deps).update(ctx, current, properties),
    delete: (ctx, current) => pick(ctx.deps).delete(ctx, current),
  };
};

/**
 * Template values of numeric and boolean properties may arrive as strings (parameters, Fn::Sub); CloudFormation
 * converts them to the schema's type before calling the service. `numbers`/`booleans` name those properties.
 */
export const coerceScalars = (
  value: unknown,
  types: { numbers?: readonly string[]; booleans?: readonly string[] },
  key = '',
): unknown => {
  if (Array.isArray(value)) return value.map((item) => coerceScalars(item, types, key));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, coerceScalars(inner, types, name)]));
  }
  if (typeof value === 'string' && types.numbers?.includes(key) && value.trim() !== '' && !Number.isNaN(Number(value)))
    return Number(value);
  if (typeof value === 'string' && types.booleans?.includes(key) && /^(true|false)$/i.test(value))
    return value.toLowerCase() === 'true';
  return value;
};

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
