import type { CloudFormationTemplate } from '../package-services';
import type { StateMachineGraph, StateTransition } from '../report-schema';

export class StateMachineDefinitionError extends Error {
  override name = 'StateMachineDefinitionError';
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What a Ref or GetAtt of a template resource stands for in a picture: its literal name, or its logical id. */
const resourceName = (template: CloudFormationTemplate, logicalId: string): string => {
  const properties = template.Resources[logicalId]?.Properties ?? {};
  for (const key of ['FunctionName', 'StateMachineName', 'Name', 'TopicName', 'BucketName']) {
    if (typeof properties[key] === 'string') return properties[key];
  }
  return logicalId;
};

/** A `${…}` of Fn::Sub: a variable of its map, a pseudo parameter (kept as written), a resource or its attribute. */
const substitute = (template: CloudFormationTemplate, name: string, variables: Json): string => {
  if (name in variables) return resolveValue(template, variables[name]);
  if (name.startsWith('AWS::')) return `\${${name}}`;
  const [logicalId] = name.split('.');
  if (logicalId !== undefined && logicalId in template.Resources) return resourceName(template, logicalId);
  throw new StateMachineDefinitionError(`DefinitionString refers to \${${name}}, which the template does not define`);
};

const resolveValue = (template: CloudFormationTemplate, value: unknown): string => {
  if (typeof value === 'string') return value;
  if (isObject(value)) {
    if (typeof value.Ref === 'string') {
      return value.Ref.startsWith('AWS::') ? `\${${value.Ref}}` : resourceName(template, value.Ref);
    }
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return resourceName(template, getAtt[0]);
    if (typeof getAtt === 'string') return resourceName(template, getAtt.split('.')[0]!);
    if ('Fn::Sub' in value) return resolveSub(template, value['Fn::Sub']);
    if (Array.isArray(value['Fn::Join'])) {
      const [separator, parts] = value['Fn::Join'] as [unknown, unknown];
      if (typeof separator === 'string' && Array.isArray(parts)) {
        return parts.map((part) => resolveValue(template, part)).join(separator);
      }
    }
  }
  throw new StateMachineDefinitionError(`cannot resolve ${JSON.stringify(value)} in the DefinitionString`);
};

const resolveSub = (template: CloudFormationTemplate, argument: unknown): string => {
  const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
  if (typeof text !== 'string' || !isObject(variables)) {
    throw new StateMachineDefinitionError(`Fn::Sub must be a string or [string, map], got ${JSON.stringify(argument)}`);
  }
  // `${!Literal}` is Fn::Sub's escape for a literal `${Literal}`.
  return text.replace(/\$\{([^}]+)\}/g, (whole, name: string) =>
    name.startsWith('!') ? `\${${name.slice(1)}}` : substitute(template, name.trim(), variables),
  );
};

const comparisonLabel = (rule: Json): string => {
  const variable = typeof rule.Variable === 'string' ? rule.Variable.replace(/^\$\./, '') : '';
  for (const [key, value] of Object.entries(rule)) {
    if (key === 'Variable' || key === 'Next') continue;
    if (key === 'And' || key === 'Or') {
      const parts = Array.isArray(value) ? value.filter(isObject).map(comparisonLabel) : [];
      return parts.join(key === 'And' ? ' and ' : ' or ');
    }
    if (key === 'Not' && isObject(value)) return `not (${comparisonLabel(value)})`;
    if (key === 'Condition' && typeof value === 'string') return value;
    const operator = /Equals(Path)?$/.test(key)
      ? '='
      : /LessThanEquals/.test(key)
        ? '≤'
        : /GreaterThanEquals/.test(key)
          ? '≥'
          : /LessThan/.test(key)
            ? '<'
            : /GreaterThan/.test(key)
              ? '>'
              : key;
    return `${variable} ${operator} ${typeof value === 'string' ? value : JSON.stringify(value)}`;
  }
  return variable;
};

/** Every transition of the state machine's top-level states, in definition order: Next, Choices, Default, Catch. */
const transitionsOf = (states: Record<string, Json>): StateTransition[] =>
  Object.entries(states).flatMap(([from, state]) => {
    const transitions: StateTransition[] = [];
    if (typeof state.Next === 'string') transitions.push({ from, to: state.Next, kind: 'next' });
    for (const choice of Array.isArray(state.Choices) ? state.Choices.filter(isObject) : []) {
      if (typeof choice.Next === 'string') {
        const { Next: _next, ...rule } = choice;
        transitions.push({ from, to: choice.Next, kind: 'choice', label: comparisonLabel(choice), rule });
      }
    }
    if (typeof state.Default === 'string') transitions.push({ from, to: state.Default, kind: 'default' });
    for (const handler of Array.isArray(state.Catch) ? state.Catch.filter(isObject) : []) {
      if (typeof handler.Next === 'string') {
        const errors = Array.isArray(handler.ErrorEquals) ? handler.ErrorEquals.join(', ') : '';
        transitions.push({ from, to: handler.Next, kind: 'catch', label: errors });
      }
    }
    return transitions;
  });

/** A state machine definition (ASL JSON, resolved) as the report's graph: its states and every transition. */
export const stateMachineGraph = (name: string, source: string, definition: unknown): StateMachineGraph => {
  if (!isObject(definition) || !isObject(definition.States) || typeof definition.StartAt !== 'string') {
    throw new StateMachineDefinitionError(`${source}: not a state machine definition (StartAt and States)`);
  }
  const states = Object.fromEntries(
    Object.entries(definition.States).map(([key, value]) => [key, isObject(value) ? value : {}]),
  );
  const transitions = transitionsOf(states);
  const unknown = transitions.filter((t) => !(t.to in states));
  if (!(definition.StartAt in states) || unknown.length > 0) {
    const targets = [...(definition.StartAt in states ? [] : [definition.StartAt]), ...unknown.map((t) => t.to)];
    throw new StateMachineDefinitionError(`${source}: transitions to states it does not define: ${targets.join(', ')}`);
  }
  return {
    name,
    source,
    startAt: definition.StartAt,
    states: Object.entries(states).map(([stateName, state]) => ({
      name: stateName,
      type: typeof state.Type === 'string' ? state.Type : 'Unknown',
      ...(typeof state.Resource === 'string' ? { resource: state.Resource } : {}),
      end: state.End === true || state.Type === 'Succeed' || state.Type === 'Fail',
    })),
    transitions,
  };
};

/**
 * The graph of the state machine a packaged template deploys: its AWS::StepFunctions::StateMachine's
 * DefinitionString (serverless-step-functions writes an Fn::Sub whose variables are Fn::GetAtt of the task
 * functions), resolved to names: a task's Resource is its function's name.
 */
export const packagedStateMachineGraph = (
  template: CloudFormationTemplate,
  origin: string,
  logicalId?: string,
): StateMachineGraph => {
  const machines = Object.entries(template.Resources).filter(
    ([id, resource]) =>
      resource.Type === 'AWS::StepFunctions::StateMachine' && (logicalId === undefined || id === logicalId),
  );
  if (machines.length !== 1) {
    throw new StateMachineDefinitionError(
      `${origin}: expected one AWS::StepFunctions::StateMachine${logicalId ? ` ${logicalId}` : ''}, found ${machines.length}`,
    );
  }
  const [id, resource] = machines[0]!;
  const properties = resource.Properties ?? {};
  const source = `${origin} ${id}.DefinitionString`;
  const text =
    properties.DefinitionString !== undefined
      ? resolveValue(template, properties.DefinitionString)
      : JSON.stringify(properties.Definition ?? null);
  let definition: unknown;
  try {
    definition = JSON.parse(text);
  } catch (error) {
    throw new StateMachineDefinitionError(`${source} is not JSON once resolved: ${(error as Error).message}`);
  }
  const name = typeof properties.StateMachineName === 'string' ? properties.StateMachineName : id;
  return stateMachineGraph(name, source, definition);
};
