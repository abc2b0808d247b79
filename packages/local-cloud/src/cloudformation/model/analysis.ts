import type { Parameter } from '@aws-sdk/client-cloudformation';
import { cloudFormationError, templateError, validationError } from '../errors';
import { collectReferences, type ParameterValue, PSEUDO_PARAMETER_NAMES } from './intrinsics';
import { specAttributes } from './spec';
import type { ParameterDeclaration, ResourceDeclaration, Template } from './template';

export interface ResolvedParameters {
  values: Record<string, ParameterValue>;
  noEcho: string[];
}

const isListType = (type: string): boolean => type === 'CommaDelimitedList' || type.startsWith('List<');

const asText = (value: unknown): string => (Array.isArray(value) ? value.join(',') : String(value));

const checkConstraints = (name: string, declaration: ParameterDeclaration, text: string): void => {
  const fail = (message: string): never => {
    throw validationError(
      declaration.ConstraintDescription
        ? `Parameter '${name}' ${message}: ${declaration.ConstraintDescription}`
        : `Parameter '${name}' ${message}`,
    );
  };
  const type = declaration.Type;
  if (type.startsWith('AWS::SSM::Parameter'))
    throw validationError(
      `Parameter '${name}' has type ${type}: SSM parameter types are not supported by the local cloud`,
    );
  const items = isListType(type) ? text.split(',').map((s) => s.trim()) : [text];
  for (const item of items) {
    if (declaration.AllowedValues && !declaration.AllowedValues.map(String).includes(item))
      fail('must be one of AllowedValues');
    if (declaration.AllowedPattern !== undefined && !new RegExp(`^(?:${declaration.AllowedPattern})$`).test(item)) {
      fail(`failed to satisfy constraint: must match pattern ${declaration.AllowedPattern}`);
    }
    if (declaration.MinLength !== undefined && item.length < Number(declaration.MinLength))
      fail(`must contain at least ${String(declaration.MinLength)} characters`);
    if (declaration.MaxLength !== undefined && item.length > Number(declaration.MaxLength))
      fail(`must contain at most ${String(declaration.MaxLength)} characters`);
    if (type === 'Number' || type === 'List<Number>') {
      const number = Number(item);
      if (item.trim() === '' || Number.isNaN(number)) fail('must be a number');
      if (declaration.MinValue !== undefined && number < Number(declaration.MinValue))
        fail(`must be a number not less than ${String(declaration.MinValue)}`);
      if (declaration.MaxValue !== undefined && number > Number(declaration.MaxValue))
        fail(`must be a number not greater than ${String(declaration.MaxValue)}`);
    }
  }
};

/** The parameter values of a deployment: given, previous (UsePreviousValue) or default, validated like CloudFormation. */
export const resolveParameters = (
  template: Template,
  given: readonly Parameter[] | undefined,
  previous?: Record<string, ParameterValue>,
): ResolvedParameters => {
  const declared = template.Parameters ?? {};
  const byKey = new Map<string, Parameter>();
  for (const parameter of given ?? []) {
    if (!parameter.ParameterKey) throw validationError('Every Parameters member must have a ParameterKey');
    byKey.set(parameter.ParameterKey, parameter);
  }
  const unknown = [...byKey.keys()].filter((key) => !(key in declared));
  if (unknown.length > 0) throw validationError(`Parameters: [${unknown.join(', ')}] do not exist in the template`);
  const values: Record<string, ParameterValue> = {};
  const missing: string[] = [];
  for (const [name, declaration] of Object.entries(declared)) {
    const parameter = byKey.get(name);
    let text: string | undefined;
    if (parameter?.UsePreviousValue) {
      if (previous === undefined || !(name in previous)) {
        throw validationError(
          `Invalid input for parameter key ${name}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`,
        );
      }
      text = asText(previous[name]);
    } else if (parameter?.ParameterValue !== undefined) text = parameter.ParameterValue;
    else if (declaration.Default !== undefined) text = asText(declaration.Default);
    if (text === undefined) {
      missing.push(name);
      continue;
    }
    checkConstraints(name, declaration, text);
    values[name] = isListType(declaration.Type) ? (text === '' ? [] : text.split(',').map((s) => s.trim())) : text;
  }
  if (missing.length > 0) throw validationError(`Parameters: [${missing.join(', ')}] must have values`);
  const noEcho = Object.entries(declared)
    .filter(([, d]) => d.NoEcho === true || d.NoEcho === 'true')
    .map(([name]) => name);
  return { values, noEcho };
};

const IAM_TYPES: Record<string, string | undefined> = {
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::User': 'UserName',
  'AWS::IAM::Group': 'GroupName',
  'AWS::IAM::InstanceProfile': 'InstanceProfileName',
  'AWS::IAM::Policy': undefined,
  'AWS::IAM::AccessKey': undefined,
  'AWS::IAM::UserToGroupAddition': undefined,
};

/** CAPABILITY_IAM / CAPABILITY_NAMED_IAM the template needs, and the types that need them (ValidateTemplate). */
export const requiredCapabilities = (
  resources: Record<string, ResourceDeclaration>,
): { capabilities: string[]; types: string[] } => {
  const iam = Object.values(resources).filter((r) => r.Type in IAM_TYPES);
  if (iam.length === 0) return { capabilities: [], types: [] };
  const named = iam.some((r) => {
    const nameProperty = IAM_TYPES[r.Type];
    return nameProperty !== undefined && r.Properties?.[nameProperty] !== undefined;
  });
  return {
    capabilities: [named ? 'CAPABILITY_NAMED_IAM' : 'CAPABILITY_IAM'],
    types: [...new Set(iam.map((r) => r.Type))],
  };
};

export const checkCapabilities = (
  resources: Record<string, ResourceDeclaration>,
  granted: readonly string[] | undefined,
): void => {
  const { capabilities } = requiredCapabilities(resources);
  const have = new Set(granted ?? []);
  const lacking = capabilities.filter(
    (c) => !have.has(c) && !(c === 'CAPABILITY_IAM' && have.has('CAPABILITY_NAMED_IAM')),
  );
  if (lacking.length > 0)
    throw cloudFormationError('InsufficientCapabilitiesException', `Requires capabilities : [${lacking.join(', ')}]`);
};

/** The resources (and outputs) whose Condition holds. */
export const activeResources = (
  template: Template,
  conditions: Record<string, boolean>,
): Record<string, ResourceDeclaration> => {
  const active: Record<string, ResourceDeclaration> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Condition !== undefined) {
      if (!(resource.Condition in conditions))
        throw templateError(`Unresolved condition dependency ${resource.Condition} in resource ${logicalId}`);
      if (!conditions[resource.Condition]) continue;
    }
    active[logicalId] = resource;
  }
  return active;
};

const dependsOnList = (resource: ResourceDeclaration): string[] =>
  resource.DependsOn === undefined ? [] : Array.isArray(resource.DependsOn) ? resource.DependsOn : [resource.DependsOn];

/** Each resource's dependencies among the active resources (Ref, Fn::GetAtt, Fn::Sub and DependsOn). */
export const resourceDependencies = (
  template: Template,
  resources: Record<string, ResourceDeclaration>,
  conditions: Record<string, boolean>,
): Map<string, Set<string>> => {
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const graph = new Map<string, Set<string>>();
  for (const [logicalId, resource] of Object.entries(resources)) {
    const references = collectReferences(resource.Properties ?? {}, conditions);
    const unresolved = [...references].filter(
      (name) => !(name in resources) && !parameters.has(name) && !PSEUDO_PARAMETER_NAMES.includes(name),
    );
    const missingDependsOn = dependsOnList(resource).filter((name) => !(name in resources));
    if (unresolved.length > 0 || missingDependsOn.length > 0) {
      throw templateError(
        `Unresolved resource dependencies [${[...unresolved, ...missingDependsOn].join(', ')}] in the Resources block of the template`,
      );
    }
    graph.set(
      logicalId,
      new Set(
        [...references].filter((name) => name in resources && name !== logicalId).concat(dependsOnList(resource)),
      ),
    );
    if (references.has(logicalId)) throw validationError(`Circular dependency between resources: [${logicalId}]`);
  }
  return graph;
};

/** A creation order in which every resource comes after its dependencies; cycles are a ValidationError like AWS's. */
export const creationOrder = (graph: Map<string, Set<string>>): string[] => {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]): void => {
    const seen = state.get(id);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = trail.slice(trail.indexOf(id));
      throw validationError(`Circular dependency between resources: [${[...cycle].sort().join(', ')}]`);
    }
    state.set(id, 'visiting');
    for (const dependency of [...(graph.get(id) ?? [])].sort()) visit(dependency, [...trail, id]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of [...graph.keys()]) visit(id, []);
  return order;
};

/** Fn::GetAtt attribute names that the resource specification does not list for the target's type. */
export const checkGetAttAttributes = (resources: Record<string, ResourceDeclaration>, values: unknown[]): void => {
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value !== 'object' || value === null) return;
    const record = value as Record<string, unknown>;
    const getAtt = record['Fn::GetAtt'];
    if (Object.keys(record).length === 1 && getAtt !== undefined) {
      const [target, attribute] =
        typeof getAtt === 'string'
          ? [getAtt.slice(0, getAtt.indexOf('.')), getAtt.slice(getAtt.indexOf('.') + 1)]
          : Array.isArray(getAtt)
            ? getAtt
            : [];
      const type = typeof target === 'string' ? resources[target]?.Type : undefined;
      if (
        type &&
        typeof attribute === 'string' &&
        type !== 'AWS::CloudFormation::Stack' &&
        !type.startsWith('Custom::')
      ) {
        const known = specAttributes(type);
        if (known && !known.includes(attribute)) {
          throw validationError(
            `Template error: resource ${String(target)} does not support attribute type ${attribute} in Fn::GetAtt`,
          );
        }
      }
      return;
    }
    Object.values(record).forEach(visit);
  };
  values.forEach(visit);
};
