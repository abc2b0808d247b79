import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../contracts';
import { validationError } from '../errors';
import type { Template } from './template';

/** The value of `Ref: AWS::NoValue`: the property (or list element) is removed. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

/** Thrown while resolving for a diff, when a value depends on a resource that does not exist yet. */
export class Unresolvable extends Error {}

export type ParameterValue = string | string[];

export interface ResolveContext {
  stackName: string;
  stackId: string;
  parameters: Record<string, ParameterValue>;
  conditions: Record<string, boolean>;
  mappings: Template['Mappings'];
  /** Logical ids of the template's resources (present or not yet provisioned). */
  resourceIds: ReadonlySet<string>;
  resourceRef(logicalId: string): string;
  resourceAttribute(logicalId: string, attribute: string): unknown;
  importValue(exportName: string): string;
  /** Leave references to resources unresolved instead of failing (change set diffs). */
  partial?: boolean;
}

export const PSEUDO_PARAMETER_NAMES = [
  'AWS::StackName',
  'AWS::StackId',
  'AWS::Region',
  'AWS::AccountId',
  'AWS::Partition',
  'AWS::URLSuffix',
  'AWS::NoValue',
  'AWS::NotificationARNs',
];

export const AVAILABILITY_ZONES = ['a', 'b', 'c', 'd', 'e', 'f'].map((suffix) => `${LOCAL_REGION}${suffix}`);

const INTRINSIC_KEYS = new Set([
  'Ref',
  'Condition',
  'Fn::Sub',
  'Fn::GetAtt',
  'Fn::Join',
  'Fn::Select',
  'Fn::Split',
  'Fn::If',
  'Fn::Equals',
  'Fn::Not',
  'Fn::And',
  'Fn::Or',
  'Fn::FindInMap',
  'Fn::GetAZs',
  'Fn::Base64',
  'Fn::ImportValue',
  'Fn::Cidr',
  'Fn::ToJsonString',
  'Fn::Length',
]);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{ "Fn::X": args }` with exactly one key that names an intrinsic function. */
export const asIntrinsic = (value: unknown): { name: string; args: unknown } | undefined => {
  if (!isRecord(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1 || !INTRINSIC_KEYS.has(keys[0]!)) return undefined;
  return { name: keys[0]!, args: value[keys[0]!] };
};

const pseudoParameter = (name: string, ctx: ResolveContext): unknown => {
  switch (name) {
    case 'AWS::StackName':
      return ctx.stackName;
    case 'AWS::StackId':
      return ctx.stackId;
    case 'AWS::Region':
      return LOCAL_REGION;
    case 'AWS::AccountId':
      return LOCAL_ACCOUNT_ID;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::NoValue':
      return NO_VALUE;
    case 'AWS::NotificationARNs':
      return [];
    default:
      throw validationError(`Template format error: Unrecognized parameter type: ${name}`);
  }
};

const ref = (name: unknown, ctx: ResolveContext): unknown => {
  if (typeof name !== 'string')
    throw validationError('Template error: every Ref object must have a single String value.');
  if (name.startsWith('AWS::')) return pseudoParameter(name, ctx);
  if (name in ctx.parameters) return ctx.parameters[name];
  if (ctx.resourceIds.has(name)) {
    if (ctx.partial) throw new Unresolvable(name);
    return ctx.resourceRef(name);
  }
  throw validationError(
    `Template format error: Unresolved resource dependencies [${name}] in the Resources block of the template`,
  );
};

const getAtt = (args: unknown, ctx: ResolveContext): unknown => {
  const resolved = resolveValue(args, ctx);
  const parts = typeof resolved === 'string' ? splitAttribute(resolved) : resolved;
  if (!Array.isArray(parts) || parts.length !== 2 || typeof parts[0] !== 'string' || typeof parts[1] !== 'string') {
    throw validationError(
      'Template error: every Fn::GetAtt object requires two non-empty parameters, the resource name and the resource attribute',
    );
  }
  const [logicalId, attribute] = parts as [string, string];
  if (!ctx.resourceIds.has(logicalId)) {
    throw validationError(`Template error: instance of Fn::GetAtt references undefined resource ${logicalId}`);
  }
  if (ctx.partial) throw new Unresolvable(logicalId);
  return ctx.resourceAttribute(logicalId, attribute);
};

const splitAttribute = (text: string): string[] => {
  const dot = text.indexOf('.');
  return dot < 0 ? [text] : [text.slice(0, dot), text.slice(dot + 1)];
};

// A value still holding an intrinsic function can only come from partial resolution (a resource not yet known).
const stillUnresolved = (value: unknown, fn: string): void => {
  if (asIntrinsic(value)) throw new Unresolvable(fn);
};

const asString = (value: unknown, fn: string): string => {
  if (typeof value === 'string') return value;
  stillUnresolved(value, fn);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw validationError(`Template error: ${fn} requires string values, got ${JSON.stringify(value)}`);
};

const asList = (value: unknown, fn: string): unknown[] => {
  if (Array.isArray(value)) return value;
  stillUnresolved(value, fn);
  throw validationError(`Template error: ${fn} requires a list, got ${JSON.stringify(value)}`);
};

const sub = (args: unknown, ctx: ResolveContext): unknown => {
  let text: unknown = args;
  let variables: Record<string, unknown> = {};
  if (Array.isArray(args)) {
    if (args.length !== 2 || !isRecord(args[1]))
      throw validationError('Template error: Fn::Sub requires a string and a map of variables');
    text = args[0];
    variables = args[1];
  }
  if (typeof text !== 'string') throw validationError('Template error: the first argument of Fn::Sub must be a string');
  let unresolved = false;
  const result = text.replace(/\$\{([^}]*)\}/g, (whole, rawName: string) => {
    if (rawName.startsWith('!')) return `\${${rawName.slice(1)}}`;
    const name = rawName.trim();
    try {
      if (name in variables) return asString(resolveValue(variables[name], ctx), 'Fn::Sub');
      if (name.includes('.') && !name.startsWith('AWS::')) return asString(getAtt(name, ctx), 'Fn::Sub');
      const value = ref(name, ctx);
      return Array.isArray(value) ? value.join(',') : asString(value, 'Fn::Sub');
    } catch (error) {
      if (error instanceof Unresolvable) {
        unresolved = true;
        return whole;
      }
      throw error;
    }
  });
  // A diff keeps the unresolved placeholders, with every parameter and pseudo parameter already filled in.
  return unresolved ? { 'Fn::Sub': Array.isArray(args) ? [result, variables] : result } : result;
};

const condition = (name: unknown, ctx: ResolveContext): boolean => {
  if (typeof name !== 'string' || !(name in ctx.conditions)) {
    throw validationError(`Template format error: Unresolved condition dependency ${String(name)} in Fn::If`);
  }
  return ctx.conditions[name]!;
};

const evaluate = (name: string, args: unknown, ctx: ResolveContext): unknown => {
  switch (name) {
    case 'Ref':
      return ref(args, ctx);
    case 'Condition':
      return condition(args, ctx);
    case 'Fn::GetAtt':
      return getAtt(args, ctx);
    case 'Fn::Sub':
      return sub(args, ctx);
    case 'Fn::Join': {
      const [delimiter, list] = asList(args, 'Fn::Join');
      const values = asList(resolveValue(list, ctx), 'Fn::Join');
      return values
        .filter((v) => v !== NO_VALUE)
        .map((v) => asString(v, 'Fn::Join'))
        .join(asString(delimiter, 'Fn::Join'));
    }
    case 'Fn::Select': {
      const [index, list] = asList(args, 'Fn::Select');
      const position = Number(resolveValue(index, ctx));
      const values = asList(resolveValue(list, ctx), 'Fn::Select');
      if (!Number.isInteger(position) || position < 0 || position >= values.length) {
        throw validationError(
          `Template error: Fn::Select cannot select nonexistent value at index ${String(position)}`,
        );
      }
      return values[position];
    }
    case 'Fn::Split': {
      const [delimiter, text] = asList(args, 'Fn::Split');
      return asString(resolveValue(text, ctx), 'Fn::Split').split(asString(delimiter, 'Fn::Split'));
    }
    case 'Fn::If': {
      const [conditionName, whenTrue, whenFalse] = asList(args, 'Fn::If');
      return resolveValue(condition(conditionName, ctx) ? whenTrue : whenFalse, ctx);
    }
    case 'Fn::Equals': {
      const [left, right] = asList(args, 'Fn::Equals').map((v) => resolveValue(v, ctx));
      return JSON.stringify(normalizeScalar(left)) === JSON.stringify(normalizeScalar(right));
    }
    case 'Fn::Not':
      return !asBoolean(resolveValue(asList(args, 'Fn::Not')[0], ctx));
    case 'Fn::And':
      return asList(args, 'Fn::And').every((v) => asBoolean(resolveValue(v, ctx)));
    case 'Fn::Or':
      return asList(args, 'Fn::Or').some((v) => asBoolean(resolveValue(v, ctx)));
    case 'Fn::FindInMap': {
      const [mapName, top, second] = asList(resolveValue(args, ctx), 'Fn::FindInMap').map((v) =>
        asString(v, 'Fn::FindInMap'),
      );
      const value = ctx.mappings?.[mapName ?? '']?.[top ?? '']?.[second ?? ''];
      if (value === undefined)
        throw validationError(`Template error: Unable to get mapping for ${mapName}::${top}::${second}`);
      return value;
    }
    case 'Fn::GetAZs': {
      const region = resolveValue(args, ctx);
      if (region !== '' && region !== LOCAL_REGION)
        throw validationError(`Template error: Fn::GetAZs only knows region ${LOCAL_REGION}, not ${String(region)}`);
      return [...AVAILABILITY_ZONES];
    }
    case 'Fn::Base64':
      return Buffer.from(asString(resolveValue(args, ctx), 'Fn::Base64')).toString('base64');
    case 'Fn::ImportValue': {
      const exportName = resolveValue(args, ctx);
      if (ctx.partial && isRecord(exportName)) throw new Unresolvable('Fn::ImportValue');
      return ctx.importValue(asString(exportName, 'Fn::ImportValue'));
    }
    case 'Fn::ToJsonString':
      return JSON.stringify(resolveValue(args, ctx));
    case 'Fn::Length':
      return asList(resolveValue(args, ctx), 'Fn::Length').length;
    default:
      throw validationError(`Template error: ${name} is not supported by the local cloud`);
  }
};

const normalizeScalar = (value: unknown): unknown =>
  typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;

const asBoolean = (value: unknown): boolean => {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw validationError(`Template error: a condition function requires boolean values, got ${JSON.stringify(value)}`);
};

/**
 * Resolves every intrinsic function in a template value. `NO_VALUE` removes the property or element.
 * In partial mode an intrinsic that depends on a resource stays as it was (its arguments resolved where possible).
 */
export const resolveValue = (value: unknown, ctx: ResolveContext): unknown => {
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, ctx)).filter((v) => v !== NO_VALUE);
  if (!isRecord(value)) return value;
  const intrinsic = asIntrinsic(value);
  if (intrinsic) {
    try {
      return evaluate(intrinsic.name, intrinsic.args, ctx);
    } catch (error) {
      if (!(error instanceof Unresolvable) || !ctx.partial) throw error;
      if (intrinsic.name === 'Fn::Sub' || intrinsic.name === 'Ref' || intrinsic.name === 'Fn::GetAtt') return value;
      return { [intrinsic.name]: resolveValue(intrinsic.args, ctx) };
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const resolved = resolveValue(child, ctx);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
};

/** Evaluates every condition of the template (conditions may refer to each other; cycles are an error). */
export const evaluateConditions = (
  template: Template,
  ctx: Omit<ResolveContext, 'conditions'>,
): Record<string, boolean> => {
  const declared = template.Conditions ?? {};
  const results: Record<string, boolean> = {};
  const visiting = new Set<string>();
  const conditions = new Proxy(results, {
    has: (_target, name) => typeof name === 'string' && name in declared,
    get: (_target, name) => (typeof name === 'string' ? evaluateOne(name) : undefined),
  });
  const evaluateOne = (name: string): boolean => {
    if (name in results) return results[name]!;
    if (!(name in declared)) throw validationError(`Template format error: Unresolved condition dependency ${name}`);
    if (visiting.has(name)) throw validationError(`Template format error: Circular condition dependency on ${name}`);
    visiting.add(name);
    const value = asBoolean(resolveValue(declared[name], { ...ctx, partial: false, conditions }));
    visiting.delete(name);
    results[name] = value;
    return value;
  };
  for (const name of Object.keys(declared)) evaluateOne(name);
  return results;
};

/** The logical ids a value refers to (Ref, Fn::GetAtt, Fn::Sub), following only the taken branch of Fn::If. */
export const collectReferences = (
  value: unknown,
  conditions: Record<string, boolean>,
  into = new Set<string>(),
): Set<string> => {
  if (Array.isArray(value)) {
    for (const v of value) collectReferences(v, conditions, into);
    return into;
  }
  if (!isRecord(value)) return into;
  const intrinsic = asIntrinsic(value);
  if (!intrinsic) {
    for (const v of Object.values(value)) collectReferences(v, conditions, into);
    return into;
  }
  const { name, args } = intrinsic;
  if (name === 'Ref' && typeof args === 'string' && !args.startsWith('AWS::')) into.add(args);
  else if (name === 'Fn::GetAtt') {
    const target = typeof args === 'string' ? args.split('.')[0] : Array.isArray(args) ? args[0] : undefined;
    if (typeof target === 'string') into.add(target);
  } else if (name === 'Fn::Sub') {
    const [text, variables] = Array.isArray(args) ? [args[0], args[1]] : [args, {}];
    const locals = isRecord(variables) ? variables : {};
    if (typeof text === 'string') {
      for (const match of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
        const variable = match[1]!.trim();
        if (variable in locals || variable.startsWith('AWS::')) continue;
        into.add(variable.split('.')[0]!);
      }
    }
    collectReferences(locals, conditions, into);
  } else if (name === 'Fn::If' && Array.isArray(args) && typeof args[0] === 'string' && args[0] in conditions) {
    collectReferences(conditions[args[0]] ? args[1] : args[2], conditions, into);
  } else collectReferences(args, conditions, into);
  return into;
};

/** Export names a value imports whose name is a plain string (after resolving parameters). */
export const collectImports = (value: unknown, into = new Set<string>()): Set<string> => {
  if (Array.isArray(value)) value.forEach((v) => collectImports(v, into));
  else if (isRecord(value)) {
    const intrinsic = asIntrinsic(value);
    if (intrinsic?.name === 'Fn::ImportValue' && typeof intrinsic.args === 'string') into.add(intrinsic.args);
    else Object.values(value).forEach((v) => collectImports(v, into));
  }
  return into;
};

/** A resolved value as CloudFormation shows it in outputs and parameter defaults: lists comma-joined, objects as JSON. */
export const outputText = (value: unknown): string =>
  Array.isArray(value) ? value.join(',') : typeof value === 'object' ? JSON.stringify(value) : String(value);
