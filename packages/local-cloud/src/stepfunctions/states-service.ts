import * as sfnModel from '@aws-sdk/client-sfn';
import { AwsServiceError } from '../aws-error';
import type { ServiceHandler } from '../contracts';
import type { LogSink } from '../log';
import { createJsonService, optionalString, requireString } from '../protocols/json';
import { checkExecutionArn, executionDoesNotExist } from './definitions';
import type { ExecutionRecord, ExecutionStatus } from './records';
import type { LocalStateMachines } from './state-machines';

const STATUSES: ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

const pageParameters = (
  input: Record<string, unknown>,
  maxDefault: number,
  maxLimit: number,
): { start: number; max: number } => {
  const maxResults = input.maxResults;
  if (
    maxResults !== undefined &&
    (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 0 || maxResults > maxLimit)
  ) {
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: Value '${String(maxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${maxLimit}`,
      400,
    );
  }
  const token = optionalString(input, 'nextToken');
  let start = 0;
  if (token !== undefined) {
    start = Number(Buffer.from(token, 'base64').toString('utf8'));
    if (!Number.isInteger(start) || start < 0)
      throw new AwsServiceError('InvalidToken', `Invalid Token: '${token}'`, 400);
  }
  return { start, max: typeof maxResults === 'number' && maxResults > 0 ? maxResults : maxDefault };
};

const nextToken = (start: number, max: number, total: number): { nextToken?: string } =>
  start + max < total ? { nextToken: Buffer.from(String(start + max)).toString('base64') } : {};

const executionSummary = (execution: ExecutionRecord): Record<string, unknown> => ({
  executionArn: execution.executionArn,
  stateMachineArn: execution.stateMachineArn,
  name: execution.name,
  status: execution.status,
  startDate: execution.startDate,
  ...(execution.stopDate ? { stopDate: execution.stopDate } : {}),
});

/** `AWSStepFunctions.*` (JSON 1.0) front end; timestamps leave as ISO text and the protocol layer sends epoch seconds. */
export function createStatesService(machines: LocalStateMachines, options: { log?: LogSink } = {}): ServiceHandler {
  const requireExecution = (input: Record<string, unknown>): ExecutionRecord => {
    const arn = requireString(input, 'executionArn');
    checkExecutionArn(arn);
    const execution = machines.getExecution(arn);
    if (!execution) throw executionDoesNotExist(arn);
    return execution;
  };
  const requireMachine = (arn: string): NonNullable<ReturnType<LocalStateMachines['getStateMachine']>> => {
    const machine = machines.getStateMachine(arn);
    if (!machine) throw new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`, 400);
    return machine;
  };

  return createJsonService({
    serviceName: 'Step Functions',
    targetPrefix: 'AWSStepFunctions',
    jsonVersion: '1.0',
    model: sfnModel,
    ...(options.log ? { log: options.log } : {}),
    operations: {
      async StartExecution(input) {
        const name = optionalString(input, 'name');
        const executionInput = optionalString(input, 'input');
        const started = machines.startExecution({
          stateMachineArn: requireString(input, 'stateMachineArn'),
          ...(name !== undefined ? { name } : {}),
          ...(executionInput !== undefined ? { input: executionInput } : {}),
        });
        return { executionArn: started.executionArn, startDate: started.startDate };
      },
      async DescribeExecution(input) {
        const execution = requireExecution(input);
        return {
          ...executionSummary(execution),
          input: execution.input,
          inputDetails: { included: true },
          ...(execution.output !== undefined ? { output: execution.output, outputDetails: { included: true } } : {}),
          ...(execution.error !== undefined ? { error: execution.error } : {}),
          ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
        };
      },
      async GetExecutionHistory(input) {
        const execution = requireExecution(input);
        const { start, max } = pageParameters(input, 100, 1000);
        const ordered = input.reverseOrder === true ? [...execution.events].reverse() : execution.events;
        const includeData = input.includeExecutionData !== false;
        const events = ordered.slice(start, start + max).map((event) => {
          if (includeData) return event;
          // includeExecutionData=false drops inputs/outputs, as on AWS.
          const stripped: Record<string, unknown> = {};
          for (const [key, value] of Object.entries(event)) {
            if (key.endsWith('EventDetails') && value && typeof value === 'object') {
              const { input: _input, output: _output, ...rest } = value as Record<string, unknown>;
              stripped[key] = rest;
            } else stripped[key] = value;
          }
          return stripped;
        });
        return { events, ...nextToken(start, max, ordered.length) };
      },
      async ListExecutions(input) {
        const arn = requireString(input, 'stateMachineArn');
        requireMachine(arn);
        const statusFilter = optionalString(input, 'statusFilter');
        if (statusFilter !== undefined && !STATUSES.includes(statusFilter as ExecutionStatus)) {
          throw new AwsServiceError(
            'ValidationException',
            `1 validation error detected: Value '${statusFilter}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${STATUSES.join(', ')}]`,
            400,
          );
        }
        const all = machines
          .executions(arn)
          .filter((execution) => statusFilter === undefined || execution.status === statusFilter)
          .sort((a, b) => b.startDate.localeCompare(a.startDate));
        const { start, max } = pageParameters(input, 100, 1000);
        return {
          executions: all.slice(start, start + max).map(executionSummary),
          ...nextToken(start, max, all.length),
        };
      },
      async StopExecution(input) {
        const execution = requireExecution(input);
        const error = optionalString(input, 'error');
        const cause = optionalString(input, 'cause');
        const stopped = await machines.stopExecution(execution.executionArn, {
          ...(error !== undefined ? { error } : {}),
          ...(cause !== undefined ? { cause } : {}),
        });
        return { stopDate: stopped.stopDate ?? new Date().toISOString() };
      },
      async DescribeStateMachine(input) {
        const machine = requireMachine(requireString(input, 'stateMachineArn'));
        return {
          stateMachineArn: machine.stateMachineArn,
          name: machine.name,
          status: 'ACTIVE',
          definition: machine.definition,
          roleArn: machine.roleArn,
          type: machine.type,
          creationDate: machine.creationDate,
        };
      },
      async ListStateMachines(input) {
        const all = machines.listStateMachines();
        const { start, max } = pageParameters(input, 100, 1000);
        return {
          stateMachines: all.slice(start, start + max).map((machine) => ({
            stateMachineArn: machine.stateMachineArn,
            name: machine.name,
            type: machine.type,
            creationDate: machine.creationDate,
          })),
          ...nextToken(start, max, all.length),
        };
      },
      async CreateStateMachine(input) {
        const roleArn = optionalString(input, 'roleArn');
        const created = await machines.createStateMachine({
          name: requireString(input, 'name'),
          definition: requireString(input, 'definition'),
          ...(roleArn !== undefined ? { roleArn } : {}),
        });
        return {
          stateMachineArn: created.stateMachineArn,
          creationDate: requireMachine(created.stateMachineArn).creationDate,
        };
      },
      async UpdateStateMachine(input) {
        const arn = requireString(input, 'stateMachineArn');
        const roleArn = optionalString(input, 'roleArn');
        await machines.updateStateMachine(arn, {
          definition: requireString(input, 'definition'),
          ...(roleArn ? { roleArn } : {}),
        });
        return { updateDate: requireMachine(arn).updatedDate ?? new Date().toISOString() };
      },
      async DeleteStateMachine(input) {
        await machines.deleteStateMachine(requireString(input, 'stateMachineArn'));
        return {};
      },
    },
  });
}
