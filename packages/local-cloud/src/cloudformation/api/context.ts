import type { Tag } from '@aws-sdk/client-cloudformation';
import { parseStackPolicy, type StackPolicy } from '../change-set/stack-policy';
import type { CloudFormationServiceDeps } from '../deps';
import { cloudFormationError, validationError } from '../errors';
import type { Executor } from '../executor/executor';
import { documentAtUrl } from '../sources';
import type { RequestTokenRecord, StackRecord } from '../store/records';
import type { StackStore } from '../store/store';

/** What every API action works with: the store, the executor, and the service's options. */
export interface ApiContext {
  store: StackStore;
  executor: Executor;
  deps: CloudFormationServiceDeps;
  /** Changes per DescribeChangeSet page. */
  changeSetPageSize: number;
}

export const LIST_PAGE_SIZE = 100;
const NAME = /^[a-zA-Z][-a-zA-Z0-9]*$/;
const TOKEN = /^[a-zA-Z0-9][-a-zA-Z0-9]*$/;
// Statuses from which only DeleteStack helps.
const NOT_UPDATABLE = new Set([
  'ROLLBACK_COMPLETE',
  'ROLLBACK_FAILED',
  'CREATE_FAILED',
  'DELETE_FAILED',
  'UPDATE_ROLLBACK_FAILED',
  'UPDATE_FAILED',
]);

export const isInProgress = (status: string): boolean =>
  status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS';

const constraint = (value: string, member: string, rule: string): Error =>
  validationError(
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy ${rule}`,
  );

export const required = <T>(value: T | undefined, member: string): T => {
  if (value === undefined || value === '') {
    throw validationError(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
};

const checkName = (value: string | undefined, member: string): string => {
  const name = required(value, member);
  if (!NAME.test(name) || name.length > 128)
    throw constraint(name, member, 'regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*');
  return name;
};

export const checkStackName = (stackName: string | undefined): string => checkName(stackName, 'stackName');
export const checkChangeSetName = (name: string | undefined): string => checkName(name, 'changeSetName');

/** ClientRequestToken / ClientToken: AWS's pattern and length. */
export const checkToken = (token: string | undefined, member: string): string | undefined => {
  if (token === undefined) return undefined;
  if (token === '' || token.length > 128)
    throw constraint(token, member, 'length constraints: Member must have length between 1 and 128');
  if (!TOKEN.test(token)) throw constraint(token, member, 'regular expression pattern: [a-zA-Z0-9][-a-zA-Z0-9]*');
  return token;
};

export const checkTags = (tags: Tag[] | undefined): Tag[] => {
  for (const tag of tags ?? []) {
    if (!tag.Key || tag.Value === undefined) throw validationError('Every Tags member must have a Key and a Value');
  }
  return (tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value }));
};

export const assertUpdatable = (stack: StackRecord): void => {
  if (stack.status === 'REVIEW_IN_PROGRESS') throw validationError(`Stack [${stack.stackName}] does not exist`);
  if (isInProgress(stack.status) || NOT_UPDATABLE.has(stack.status)) {
    throw validationError(`Stack:${stack.stackId} is in ${stack.status} state and can not be updated.`);
  }
};

export const previousTemplate = (
  stack: StackRecord,
  input: { TemplateBody?: string | undefined; TemplateURL?: string | undefined },
): string => {
  if (input.TemplateBody || input.TemplateURL)
    throw validationError('You cannot specify both usePreviousTemplate and Template Body/Template URL');
  if (!stack.templateBody) throw validationError(`Stack [${stack.stackName}] has no previous template`);
  return stack.templateBody;
};

export const applyStackSettings = (
  stack: StackRecord,
  capabilities: readonly string[] | undefined,
  tags: Tag[],
  roleArn: string | undefined,
): void => {
  stack.capabilities = [...(capabilities ?? [])];
  stack.tags = tags;
  if (roleArn) stack.roleArn = roleArn;
};

/** A stack policy given as a body or an S3 URL (never both), validated; undefined when neither is given. */
export async function stackPolicyText(
  ctx: ApiContext,
  body: string | undefined,
  url: string | undefined,
  names: [body: string, url: string] = ['StackPolicyBody', 'StackPolicyURL'],
): Promise<{ text: string; policy: StackPolicy } | undefined> {
  if (body !== undefined && url !== undefined)
    throw validationError(`You cannot specify both ${names[1]} and ${names[0]}`);
  if (body === undefined && url === undefined) return undefined;
  const text = body ?? (await documentAtUrl(ctx.deps.objects, url!, 'stack policy'));
  return { text, policy: parseStackPolicy(text) };
}

/** The effective termination protection: a nested stack has its root's. */
export const isProtected = (ctx: ApiContext, stack: StackRecord): boolean =>
  ctx.store.rootOf(stack).terminationProtection === true;

/**
 * Whether this request is a retry of one the stack already served with the same ClientRequestToken (then it is
 * accepted and not repeated); the same token on another kind of request is TokenAlreadyExistsException.
 */
export const servedToken = (
  stack: StackRecord,
  action: RequestTokenRecord['action'],
  token: string | undefined,
): boolean => {
  if (token === undefined) return false;
  const seen = stack.requestTokens?.find((t) => t.token === token);
  if (!seen) return false;
  if (seen.action !== action) {
    throw cloudFormationError(
      'TokenAlreadyExistsException',
      `A client request token (${token}) was already used for ${seen.action} on stack ${stack.stackName}`,
    );
  }
  return true;
};

/** Starts an operation for a request: its token is remembered and carried by the operation's events. */
export const beginOperation = (
  stack: StackRecord,
  action: RequestTokenRecord['action'],
  token: string | undefined,
): void => {
  if (token === undefined) {
    delete stack.clientRequestToken;
    return;
  }
  stack.clientRequestToken = token;
  stack.requestTokens = [...(stack.requestTokens ?? []), { action, token }];
};
