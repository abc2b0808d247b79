import { ConfigurationError, parseDeployInput } from '@glue-cd/core';
import type { OrchestratorSettings } from '../settings';
import type { DeployState, ValidateInputEvent } from '../state';

/** ValidateInput: the execution input as a DeployInput, or a ConfigurationError naming every wrong field. */
export const validateInput = (
  event: ValidateInputEvent,
  settings: Pick<OrchestratorSettings, 'stackNamePrefix'>,
): DeployState => {
  const input = parseDeployInput(event.input);
  if (typeof event.executionName !== 'string' || event.executionName === '') {
    throw new ConfigurationError('executionName: missing (the state machine passes $$.Execution.Name)');
  }
  const prefix = settings.stackNamePrefix;
  if (prefix !== undefined && !input.stackName.startsWith(prefix)) {
    throw new ConfigurationError(
      `DeployInput.stackName: ${input.stackName} is not a stack this orchestrator may manage (names must start with ${prefix})`,
    );
  }
  return { input, executionName: event.executionName };
};
