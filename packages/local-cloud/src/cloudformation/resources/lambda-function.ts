import { functionArn, type LocalFunctionDefinition } from '../../contracts';
import {
  generatedName,
  optionalString,
  propertiesError,
  type Provisioner,
  type ResourceContext,
  requiredString,
} from './types';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const functionDefinition = (
  ctx: ResourceContext,
  functionName: string,
  properties: Record<string, unknown>,
): LocalFunctionDefinition => {
  const code = properties.Code;
  if (!isRecord(code)) throw propertiesError(ctx, '#: required key [Code] not found');
  const zipFile = optionalString(code, 'ZipFile', ctx);
  const s3Bucket = optionalString(code, 'S3Bucket', ctx);
  const s3Key = optionalString(code, 'S3Key', ctx);
  if (zipFile === undefined && (s3Bucket === undefined || s3Key === undefined)) {
    throw propertiesError(ctx, '#/Code: either ZipFile or both S3Bucket and S3Key are required');
  }
  const environment = isRecord(properties.Environment) ? properties.Environment.Variables : undefined;
  if (environment !== undefined && !isRecord(environment))
    throw propertiesError(ctx, '#/Environment/Variables: expected type: JSONObject');
  const timeout = properties.Timeout === undefined ? 3 : Number(properties.Timeout);
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 900)
    throw propertiesError(ctx, `#/Timeout: ${String(properties.Timeout)} is not an integer between 1 and 900`);
  const memorySize = properties.MemorySize === undefined ? undefined : Number(properties.MemorySize);
  if (memorySize !== undefined && (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10240)) {
    throw propertiesError(
      ctx,
      `#/MemorySize: ${String(properties.MemorySize)} is not an integer between 128 and 10240`,
    );
  }
  return {
    functionName,
    handler: requiredString(properties, 'Handler', ctx),
    runtime: requiredString(properties, 'Runtime', ctx),
    role: requiredString(properties, 'Role', ctx),
    timeoutSeconds: timeout,
    ...(memorySize === undefined ? {} : { memorySize }),
    environment: Object.fromEntries(Object.entries(environment ?? {}).map(([key, value]) => [key, String(value)])),
    code: zipFile !== undefined ? { zipFile } : { s3Bucket: s3Bucket!, s3Key: s3Key! },
  };
};

/** AWS::Lambda::Function: a function in the local FunctionRuntime. */
export const lambdaFunctionProvisioner: Provisioner = {
  async create(ctx, properties) {
    const name = optionalString(properties, 'FunctionName', ctx) ?? generatedName(ctx, 64);
    const { functionArn: arn } = await ctx.deps.functions.createFunction(functionDefinition(ctx, name, properties));
    return { physicalId: name, attributes: { Arn: arn || functionArn(name) } };
  },
  async update(ctx, current, properties) {
    const { functionArn: arn } = await ctx.deps.functions.updateFunction(
      functionDefinition(ctx, current.physicalId, properties),
    );
    return { physicalId: current.physicalId, attributes: { Arn: arn || functionArn(current.physicalId) } };
  },
  // A function that is already gone counts as deleted, as CloudFormation's handler does.
  async delete(ctx, current) {
    await ctx.deps.functions.deleteFunction(current.physicalId).catch((error: unknown) => {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    });
  },
};
