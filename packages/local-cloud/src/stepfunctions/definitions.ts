import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { AwsServiceError } from '../aws-error';
import type { AslMachine } from './asl';

// Names, ARNs and definitions as Step Functions validates them, with its error codes.

export const NAME = /^[a-zA-Z0-9_-]{1,80}$/;
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:([a-zA-Z0-9_-]{1,80})$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:([a-zA-Z0-9_-]{1,80}):([a-zA-Z0-9_-]{1,80})$/;

const invalidArn = (arn: string, kind: string): AwsServiceError =>
  new AwsServiceError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${kind}' (${arn})`, 400);

export function checkStateMachineArn(arn: string): void {
  if (!STATE_MACHINE_ARN.test(arn)) throw invalidArn(arn, 'stateMachine');
}

export function checkExecutionArn(arn: string): void {
  if (!EXECUTION_ARN.test(arn)) throw invalidArn(arn, 'execution');
}

export const invalidName = (name: string): AwsServiceError =>
  new AwsServiceError('InvalidName', `Invalid Name: '${name}'`, 400);

export const stateMachineDoesNotExist = (arn: string): AwsServiceError =>
  new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`, 400);

export const executionDoesNotExist = (arn: string): AwsServiceError =>
  new AwsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`, 400);

/**
 * Definitions that already passed validation. The validator's schema check is made once per process (see
 * patches/asl-validator@3.16.0.patch: loaded from the per-user store of its standalone code, ~40 ms, or compiled,
 * ~0.7 CPU-s, by the first process after an install), then takes milliseconds: warmUpDefinitionCheck makes it ahead.
 */
const validatedDefinitions = new Set<string>();

/** Parses and validates an ASL definition the way CreateStateMachine does (InvalidDefinition naming the problem). */
export function parseDefinition(definition: string): AslMachine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch (error) {
    throw new AwsServiceError(
      'InvalidDefinition',
      `Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: ${(error as Error).message}'`,
      400,
    );
  }
  if (validatedDefinitions.has(definition)) return parsed as AslMachine;
  try {
    new StateMachine(parsed as StateMachineDefinition);
    validatedDefinitions.add(definition);
  } catch (error) {
    throw new AwsServiceError(
      'InvalidDefinition',
      `Invalid State Machine Definition: '${(error as Error).message.replace(/\s+/g, ' ').trim()}'`,
      400,
    );
  }
  return parsed as AslMachine;
}

/** The smallest valid definition: validating it makes the validator's schema check ahead of a first create. */
const SMALLEST_DEFINITION = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });

/** Makes the definition check now, off a first CreateStateMachine's path (CloudFormation's warm-up calls it). */
export const warmUpDefinitionCheck = (): void => {
  parseDefinition(SMALLEST_DEFINITION);
};
