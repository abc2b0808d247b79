import type { FunctionRuntime, LocalServiceClient, ObjectStore, StateMachineRegistry } from '../../contracts';

export interface ProvisionerDeps {
  objects: ObjectStore;
  functions: FunctionRuntime;
  stateMachines: StateMachineRegistry;
  /**
   * The JSON services resources of those types are provisioned through. startLocalCloud always passes them; an engine
   * built without one (a unit harness faking only S3/Lambda/Step Functions) records that service's types instead.
   */
  glue?: LocalServiceClient;
  athena?: LocalServiceClient;
  secretsManager?: LocalServiceClient;
}

export interface ResourceContext {
  stackName: string;
  logicalId: string;
  resourceType: string;
  deps: ProvisionerDeps;
}

/** What a resource is once it exists: its physical id (what Ref returns) and its Fn::GetAtt attributes. */
export interface ProvisionedResource {
  physicalId: string;
  attributes: Record<string, unknown>;
}

export interface CurrentResource extends ProvisionedResource {
  properties: Record<string, unknown>;
}

/** One resource type's create / update-in-place / delete against the local services. */
export interface Provisioner {
  create(ctx: ResourceContext, properties: Record<string, unknown>): Promise<ProvisionedResource>;
  update(
    ctx: ResourceContext,
    current: CurrentResource,
    properties: Record<string, unknown>,
  ): Promise<ProvisionedResource>;
  delete(ctx: ResourceContext, current: CurrentResource): Promise<void>;
}

/** A resource provider's failure; its message becomes the ResourceStatusReason. */
export class ResourceProvisioningError extends Error {
  override readonly name = 'ResourceProvisioningError';
}

const RANDOM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export const randomSuffix = (length = 12): string =>
  Array.from({ length }, () => RANDOM_ALPHABET[Math.floor(Math.random() * RANDOM_ALPHABET.length)]).join('');

/** A physical name as CloudFormation generates one: `<stack>-<logicalId>-<RANDOM>`, trimmed to the type's limit. */
export const generatedName = (
  ctx: ResourceContext,
  maxLength: number,
  options: { lowerCase?: boolean; withStack?: boolean } = {},
): string => {
  const suffix = randomSuffix();
  const prefixParts = options.withStack === false ? [ctx.logicalId] : [ctx.stackName, ctx.logicalId];
  const room = maxLength - suffix.length - prefixParts.length;
  const each = Math.max(1, Math.floor(room / prefixParts.length));
  const name = [...prefixParts.map((part) => part.slice(0, each)), suffix].join('-');
  return options.lowerCase ? name.toLowerCase() : name;
};

export const optionalString = (
  properties: Record<string, unknown>,
  key: string,
  ctx: ResourceContext,
): string | undefined => {
  const value = properties[key];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw propertiesError(
    ctx,
    `#/${key}: expected type: String, found: ${Array.isArray(value) ? 'JSONArray' : 'JSONObject'}`,
  );
};

export const requiredString = (properties: Record<string, unknown>, key: string, ctx: ResourceContext): string => {
  const value = optionalString(properties, key, ctx);
  if (value === undefined) throw propertiesError(ctx, `#: required key [${key}] not found`);
  return value;
};

/** AWS's wording for a schema violation in a resource's properties. */
export const propertiesError = (ctx: ResourceContext, message: string): ResourceProvisioningError =>
  new ResourceProvisioningError(`Properties validation failed for resource ${ctx.logicalId} with message: ${message}`);
