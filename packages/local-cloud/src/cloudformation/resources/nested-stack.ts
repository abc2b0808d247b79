import type { Parameter } from '@aws-sdk/client-cloudformation';
import {
  propertiesError,
  type ProvisionedResource,
  type Provisioner,
  type ResourceContext,
  requiredString,
} from './types';

/** What the nested-stack provisioner needs from the engine that owns the parent stack. */
export interface NestedStackHost {
  createNestedStack(ctx: ResourceContext, templateUrl: string, parameters: Parameter[]): Promise<ProvisionedResource>;
  updateNestedStack(
    ctx: ResourceContext,
    stackId: string,
    templateUrl: string,
    parameters: Parameter[],
  ): Promise<ProvisionedResource>;
  deleteNestedStack(ctx: ResourceContext, stackId: string): Promise<void>;
}

/** The `Parameters` map of an AWS::CloudFormation::Stack as the parameter list of the nested stack. */
export const nestedStackParameters = (ctx: ResourceContext, properties: Record<string, unknown>): Parameter[] => {
  const parameters = properties.Parameters ?? {};
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
    throw propertiesError(ctx, '#/Parameters: expected type: JSONObject');
  }
  return Object.entries(parameters).map(([key, value]) => ({
    ParameterKey: key,
    ParameterValue: Array.isArray(value) ? value.join(',') : String(value),
  }));
};

/** AWS::CloudFormation::Stack: a child stack of this engine, created, updated and deleted with its parent. */
export const nestedStackProvisioner = (host: NestedStackHost): Provisioner => ({
  create: (ctx, properties) =>
    host.createNestedStack(ctx, requiredString(properties, 'TemplateURL', ctx), nestedStackParameters(ctx, properties)),
  update: (ctx, current, properties) =>
    host.updateNestedStack(
      ctx,
      current.physicalId,
      requiredString(properties, 'TemplateURL', ctx),
      nestedStackParameters(ctx, properties),
    ),
  delete: (ctx, current) => host.deleteNestedStack(ctx, current.physicalId),
});
