import { ConfigurationError } from './errors';

/** Environments whose stacks are protected when PROTECTED_ENVIRONMENTS is not set. */
export const DEFAULT_PROTECTED_ENVIRONMENTS: readonly string[] = ['prod'];

/**
 * Stacks of the delivery system itself (`<service>-<stage>`): the deploy orchestrator, the pipeline trigger and the
 * pipeline. A deploy input may never name them, whatever the environment.
 */
export const DELIVERY_SYSTEM_STACK_PREFIXES: readonly string[] = [
  'glue-cd-deploy-orchestrator-',
  'glue-cd-pipeline-trigger-',
  'glue-cd-pipeline-',
];

const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** `prod, staging` → `['prod', 'staging']`; unset or blank → the default list. */
export const parseEnvironmentList = (
  text: string | undefined,
  label = 'PROTECTED_ENVIRONMENTS',
  fallback: readonly string[] = DEFAULT_PROTECTED_ENVIRONMENTS,
): string[] => {
  if (text === undefined || text.trim() === '') return [...fallback];
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const bad = names.filter((name) => !ENVIRONMENT_NAME.test(name));
  if (bad.length > 0) {
    throw new ConfigurationError(
      `${label}: ${bad.join(', ')} is not an environment name (lower-case letters, digits, -)`,
    );
  }
  return [...new Set(names)];
};

export const isProtectedEnvironment = (environmentName: string, protectedEnvironments: readonly string[]): boolean =>
  protectedEnvironments.includes(environmentName);

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** True when `environment` is one or more whole `-`-separated segments of `name`. */
const hasSegment = (name: string, environment: string): boolean =>
  new RegExp(`(^|-)${escapeRegExp(environment)}(-|$)`).test(name);

/**
 * The rule that ties a stack to an environment, in one place. Serverless names stacks `<service>-<stage>` and
 * blue/green appends a suffix, so a stack belongs to environment E when E is a whole `-`-separated segment of its
 * name (after the managed prefix). A name that carries a protected environment belongs to that environment only:
 * `glue-cd-glue-etl-prod` is never a `test` (or `glue`) stack.
 */
export const stackBelongsToEnvironment = (
  stackName: string,
  environmentName: string,
  protectedEnvironments: readonly string[],
  stackNamePrefix = '',
): boolean => {
  const name =
    stackNamePrefix !== '' && stackName.startsWith(stackNamePrefix)
      ? stackName.slice(stackNamePrefix.length)
      : stackName;
  if (!hasSegment(name, environmentName)) return false;
  return protectedEnvironments.every((other) => other === environmentName || !hasSegment(name, other));
};

export const isDeliverySystemStack = (stackName: string): boolean =>
  DELIVERY_SYSTEM_STACK_PREFIXES.some((prefix) => stackName.startsWith(prefix));

/** The rules a deploy input is checked against before any AWS call; each refusal names its rule. */
export type DeployRule =
  | 'managed-stack-prefix'
  | 'delivery-system-stack'
  | 'stack-belongs-to-environment'
  | 'no-delete-in-protected-environment'
  | 'no-unchecked-broadening-in-protected-environment';

export interface DeployRuleViolation {
  rule: DeployRule;
  message: string;
}

export interface DeployGuardOptions {
  protectedEnvironments: readonly string[];
  /** Stacks this orchestrator may manage start with it; unset: any. */
  stackNamePrefix?: string | undefined;
}

/** The subset of a DeployInput the rules read. */
export interface GuardedInput {
  environmentName: string;
  stackName: string;
  action: string;
  onBroadening?: string | undefined;
}

/** Every rule the input breaks (empty when it may go ahead). Pure: the caller reads the settings. */
export const deployRuleViolations = (input: GuardedInput, options: DeployGuardOptions): DeployRuleViolation[] => {
  const violations: DeployRuleViolation[] = [];
  const { environmentName: env, stackName } = input;
  const isProtected = isProtectedEnvironment(env, options.protectedEnvironments);
  const prefix = options.stackNamePrefix;
  if (prefix !== undefined && !stackName.startsWith(prefix)) {
    violations.push({
      rule: 'managed-stack-prefix',
      message: `DeployInput.stackName: ${stackName} is not a stack this orchestrator may manage (names must start with ${prefix})`,
    });
  }
  if (isDeliverySystemStack(stackName)) {
    violations.push({
      rule: 'delivery-system-stack',
      message: `DeployInput.stackName: ${stackName} is a stack of the delivery system itself (${DELIVERY_SYSTEM_STACK_PREFIXES.map((p) => `${p}*`).join(', ')}); deploy it with sls deploy, not through the pipeline`,
    });
  } else if (!stackBelongsToEnvironment(stackName, env, options.protectedEnvironments, prefix)) {
    violations.push({
      rule: 'stack-belongs-to-environment',
      message: `DeployInput.stackName: ${stackName} does not belong to environment ${env} (the environment must be a whole "-" segment of the stack name, and a name carrying a protected environment belongs to that environment only)`,
    });
  }
  if (isProtected && input.action === 'delete') {
    violations.push({
      rule: 'no-delete-in-protected-environment',
      message: `DeployInput.action: delete is refused in protected environment ${env}; a deliberate teardown is an operator command outside the pipeline (see services/deploy-orchestrator/README.md, "Tearing down a protected stack")`,
    });
  }
  if (isProtected && input.onBroadening === 'allow') {
    violations.push({
      rule: 'no-unchecked-broadening-in-protected-environment',
      message: `DeployInput.onBroadening: allow is refused in protected environment ${env}; use fail (the default) or approve with an approvedPlan`,
    });
  }
  return violations;
};

/** Throws a ConfigurationError naming every broken rule, e.g. `[no-delete-in-protected-environment] …`. */
export const assertDeployAllowed = (input: GuardedInput, options: DeployGuardOptions): void => {
  const violations = deployRuleViolations(input, options);
  if (violations.length > 0) {
    throw new ConfigurationError(violations.map((v) => `[${v.rule}] ${v.message}`).join('; '));
  }
};
