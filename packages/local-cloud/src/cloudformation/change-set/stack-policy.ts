import type { ResourceChange } from '@aws-sdk/client-cloudformation';
import { validationError } from '../errors';

// Stack policies: which update actions a stack update may take on which resources. Once a stack has a policy, every
// resource is protected unless a statement allows the action; a Deny wins over any Allow. Creating resources is never
// governed, only Update:Modify, Update:Replace and Update:Delete of existing ones.

export type UpdateAction = 'Update:Modify' | 'Update:Replace' | 'Update:Delete';

interface PolicyStatement {
  effect: 'Allow' | 'Deny';
  actions: { values: string[]; negated: boolean };
  resources: { values: string[]; negated: boolean };
  /** Resource-type patterns from `Condition: { StringEquals | StringLike: { ResourceType } }`. */
  resourceTypes: { equals?: string[]; like?: string[] };
}

export interface StackPolicy {
  statements: PolicyStatement[];
}

export type PolicyDecision = { allowed: true } | { allowed: false; reason: string };

const ACTION = /^Update:(\*|Modify|Replace|Delete)$/;

const invalid = (): Error => validationError('Error validating stack policy: Invalid stack policy');

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const stringList = (value: unknown): string[] => {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((item) => typeof item === 'string')) throw invalid();
  return list as string[];
};

/** Exactly one of `name` and `Not<name>`, as a list. */
const either = (statement: Record<string, unknown>, name: string): { values: string[]; negated: boolean } => {
  const plain = statement[name];
  const negated = statement[`Not${name}`];
  if ((plain === undefined) === (negated === undefined)) throw invalid();
  return { values: stringList(plain ?? negated), negated: plain === undefined };
};

const parseStatement = (raw: unknown): PolicyStatement => {
  if (!isObject(raw) || (raw.Effect !== 'Allow' && raw.Effect !== 'Deny') || raw.Principal !== '*') throw invalid();
  const actions = either(raw, 'Action');
  if (!actions.values.every((action) => ACTION.test(action))) throw invalid();
  const resources = either(raw, 'Resource');
  if (!resources.values.every((resource) => resource === '*' || resource.startsWith('LogicalResourceId/')))
    throw invalid();
  const resourceTypes: PolicyStatement['resourceTypes'] = {};
  if (raw.Condition !== undefined) {
    if (!isObject(raw.Condition)) throw invalid();
    for (const [operator, test] of Object.entries(raw.Condition)) {
      if ((operator !== 'StringEquals' && operator !== 'StringLike') || !isObject(test)) throw invalid();
      if (Object.keys(test).some((key) => key !== 'ResourceType')) throw invalid();
      resourceTypes[operator === 'StringEquals' ? 'equals' : 'like'] = stringList(test.ResourceType);
    }
  }
  return { effect: raw.Effect, actions, resources, resourceTypes };
};

/** Parses and validates a stack policy document as SetStackPolicy does (AWS's one message for every problem). */
export function parseStackPolicy(body: string): StackPolicy {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    throw invalid();
  }
  if (!isObject(document) || Object.keys(document).some((key) => key !== 'Statement')) throw invalid();
  const statements = document.Statement === undefined ? [] : document.Statement;
  return { statements: (Array.isArray(statements) ? statements : [statements]).map(parseStatement) };
}

const glob = (pattern: string, text: string): boolean =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(text);

const matches = (
  statement: PolicyStatement,
  action: UpdateAction,
  logicalId: string,
  resourceType: string,
): boolean => {
  const actionHit = statement.actions.values.some((value) => value === 'Update:*' || value === action);
  const resourceHit = statement.resources.values.some(
    (value) => value === '*' || glob(value.slice('LogicalResourceId/'.length), logicalId),
  );
  const { equals, like } = statement.resourceTypes;
  return (
    actionHit !== statement.actions.negated &&
    resourceHit !== statement.resources.negated &&
    (equals === undefined || equals.includes(resourceType)) &&
    (like === undefined || like.some((pattern) => glob(pattern, resourceType)))
  );
};

/** Whether the policy lets an update take this action on this resource, with AWS's reason when it does not. */
export function policyDecision(
  policy: StackPolicy,
  target: { action: UpdateAction; logicalId: string; resourceType: string },
): PolicyDecision {
  const { action, logicalId, resourceType } = target;
  const resource = `[LogicalResourceId/${logicalId}]`;
  const hits = policy.statements
    .map((statement, index) => ({ statement, number: index + 1 }))
    .filter(({ statement }) => matches(statement, action, logicalId, resourceType));
  const deny = hits.find(({ statement }) => statement.effect === 'Deny');
  if (deny)
    return {
      allowed: false,
      reason: `Action denied by stack policy: Statement [#${deny.number}] does not allow [${action}] for resource ${resource}`,
    };
  if (hits.length > 0) return { allowed: true };
  return {
    allowed: false,
    reason: `Action not allowed by stack policy: No statement allows [${action}] for resource ${resource}`,
  };
}

/** The update action a change-set entry takes on an existing resource (none for an Add). */
export const updateActionOf = (change: ResourceChange): UpdateAction | undefined => {
  if (change.Action === 'Remove') return 'Update:Delete';
  if (change.Action === 'Modify') return change.Replacement === 'True' ? 'Update:Replace' : 'Update:Modify';
  return undefined;
};
