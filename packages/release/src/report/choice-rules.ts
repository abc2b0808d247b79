import type { StateMachineGraph } from '../report-schema';

// Which way a Choice state went, from its input: when two rules lead to the same state (RouteDeploy's update and
// plan), the picture highlights the rule that matched, not both. Only the comparisons the report needs are read; any
// other makes the answer "unknown", and the picture then highlights every edge between the two states.

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const UNKNOWN = Symbol('unknown');

/** A JSONPath of plain field names (`$.stack.route`), or UNKNOWN for anything more. */
const lookup = (input: unknown, path: unknown): unknown => {
  if (typeof path !== 'string' || !/^\$(\.[A-Za-z_][\w-]*)*$/.test(path)) return UNKNOWN;
  let value = input;
  for (const key of path.split('.').slice(1)) {
    if (!isObject(value) || !(key in value)) return undefined;
    value = value[key];
  }
  return value;
};

const evaluate = (rule: Json, input: unknown): boolean | typeof UNKNOWN => {
  if (Array.isArray(rule.And) || Array.isArray(rule.Or)) {
    const parts = ((rule.And ?? rule.Or) as unknown[]).map((part) =>
      isObject(part) ? evaluate(part, input) : UNKNOWN,
    );
    if (parts.includes(UNKNOWN)) return UNKNOWN;
    return Array.isArray(rule.And) ? parts.every(Boolean) : parts.some(Boolean);
  }
  if (isObject(rule.Not)) {
    const inner = evaluate(rule.Not, input);
    return inner === UNKNOWN ? UNKNOWN : !inner;
  }
  const value = lookup(input, rule.Variable);
  if (value === UNKNOWN) return UNKNOWN;
  for (const [operator, operand] of Object.entries(rule)) {
    switch (operator) {
      case 'Variable':
        continue;
      case 'StringEquals':
      case 'BooleanEquals':
      case 'NumericEquals':
        return value === operand;
      case 'IsPresent':
        return (value !== undefined) === operand;
      case 'IsNull':
        return (value === null) === operand;
      default:
        return UNKNOWN;
    }
  }
  return UNKNOWN;
};

/**
 * The index in `graph.transitions` of the Choice rule (or Default) a Choice state's input selects, as Step
 * Functions does: the first matching rule in order; undefined when a rule cannot be read here.
 */
export const choiceTaken = (graph: StateMachineGraph, state: string, input: unknown): number | undefined => {
  const ways = graph.transitions
    .map((transition, index) => ({ transition, index }))
    .filter(
      ({ transition }) => transition.from === state && (transition.kind === 'choice' || transition.kind === 'default'),
    );
  for (const { transition, index } of ways) {
    if (transition.kind === 'default') continue;
    const matched = transition.rule ? evaluate(transition.rule, input) : UNKNOWN;
    if (matched === UNKNOWN) return undefined;
    if (matched) return index;
  }
  return ways.find(({ transition }) => transition.kind === 'default')?.index;
};
