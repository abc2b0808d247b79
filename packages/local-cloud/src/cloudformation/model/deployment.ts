import type { Parameter } from '@aws-sdk/client-cloudformation';
import {
  activeResources,
  checkGetAttAttributes,
  creationOrder,
  type ResolvedParameters,
  resolveParameters,
  resourceDependencies,
} from './analysis';
import { evaluateConditions, type ParameterValue, type ResolveContext } from './intrinsics';
import { parseTemplate, type ResourceDeclaration, type Template } from './template';

/** A template with its parameter values: conditions evaluated, active resources known and ordered. */
export interface Deployment {
  templateBody: string;
  template: Template;
  parameters: ResolvedParameters;
  conditions: Record<string, boolean>;
  /** Resources whose Condition holds. */
  resources: Record<string, ResourceDeclaration>;
  /** Creation order (dependencies first). */
  order: string[];
}

export interface StackIdentity {
  stackName: string;
  stackId: string;
}

const NO_RESOURCES: ReadonlySet<string> = new Set();

/** Everything CloudFormation checks before it touches a resource: template shape, parameters, conditions, references, cycles. */
export const prepareDeployment = (
  identity: StackIdentity,
  templateBody: string,
  given: readonly Parameter[] | undefined,
  previousParameters?: Record<string, ParameterValue>,
): Deployment => {
  const template = parseTemplate(templateBody);
  const parameters = resolveParameters(template, given, previousParameters);
  const conditionContext: Omit<ResolveContext, 'conditions'> = {
    ...identity,
    parameters: parameters.values,
    mappings: template.Mappings,
    resourceIds: NO_RESOURCES,
    resourceRef: (id) => id,
    resourceAttribute: (id) => id,
    importValue: (name) => name,
  };
  const conditions = evaluateConditions(template, conditionContext);
  const resources = activeResources(template, conditions);
  const order = creationOrder(resourceDependencies(template, resources, conditions));
  checkGetAttAttributes(resources, [
    ...Object.values(resources).map((r) => r.Properties),
    ...Object.values(template.Outputs ?? {}),
  ]);
  return { templateBody, template, parameters, conditions, resources, order };
};

/** The deployment a stack currently stands on (its template and stored parameter values). */
export const currentDeployment = (
  identity: StackIdentity,
  templateBody: string,
  parameters: Record<string, ParameterValue>,
): Deployment =>
  prepareDeployment(
    identity,
    templateBody,
    Object.entries(parameters).map(([key, value]) => ({
      ParameterKey: key,
      ParameterValue: Array.isArray(value) ? value.join(',') : value,
    })),
  );
