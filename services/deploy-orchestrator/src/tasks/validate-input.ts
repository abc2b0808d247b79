import {
  assertDeployAllowed,
  ConfigurationError,
  DEFAULT_PROTECTED_ENVIRONMENTS,
  isProtectedEnvironment,
  parseDeployInput,
} from '@glue-cd/core';
import { cloudFormationRoleFor, type OrchestratorSettings } from '../settings';
import type { DeployState, ValidateInputEvent } from '../state';

/**
 * ValidateInput: the execution input as a DeployInput, checked against the deploy rules (core's
 * `deployRuleViolations`) before any AWS call; every refusal is a ConfigurationError naming the field and the rule.
 * Resolves what depends on the environment: protection, the broadening policy, the CloudFormation service role.
 */
export const validateInput = (
  event: ValidateInputEvent,
  settings: Pick<OrchestratorSettings, 'stackNamePrefix' | 'cloudFormationRoleArns' | 'cloudFormationRoleArn'> & {
    protectedEnvironments?: readonly string[];
  },
): DeployState => {
  const input = parseDeployInput(event.input);
  if (typeof event.executionName !== 'string' || event.executionName === '') {
    throw new ConfigurationError('executionName: missing (the state machine passes $$.Execution.Name)');
  }
  const protectedEnvironments = settings.protectedEnvironments ?? DEFAULT_PROTECTED_ENVIRONMENTS;
  assertDeployAllowed(input, { protectedEnvironments, stackNamePrefix: settings.stackNamePrefix });
  // Throws now, not at the first CloudFormation call, when the environment has no service role.
  cloudFormationRoleFor(settings, input.environmentName);
  const isProtected = isProtectedEnvironment(input.environmentName, protectedEnvironments);
  return {
    input: { ...input, onBroadening: input.onBroadening ?? (isProtected ? 'fail' : 'allow') },
    executionName: event.executionName,
    protected: isProtected,
  };
};
