import { executionArnFor, executionNameForJob } from '@glue-cd/core';
import { runLambdaInvokeAction } from '../codepipeline-action';
import { readPlanRecord } from '../plan-record';
import type { ActionRunner } from './types';

export class LambdaInvokeActionError extends Error {
  override name = 'LambdaInvokeActionError';
}

/** The function an Invoke action names: a literal, or an `Fn::ImportValue` of the bootstrapped stacks' exports. */
const functionNameOf = (value: unknown, exports: Record<string, string>): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && 'Fn::ImportValue' in value) {
    const name = value['Fn::ImportValue'];
    const resolved = typeof name === 'string' ? exports[name] : undefined;
    if (resolved) return resolved;
    throw new LambdaInvokeActionError(`FunctionName imports ${JSON.stringify(name)}, which no deployed stack exports`);
  }
  throw new LambdaInvokeActionError(`FunctionName must be a literal or Fn::ImportValue, got ${JSON.stringify(value)}`);
};

/** CodePipeline invokes asynchronously, and Lambda retries a failed async invocation twice; the release does not. */
export const invocationDifference = (functionName: string): string =>
  `${functionName} is invoked synchronously, once per job: CodePipeline invokes it asynchronously and Lambda retries a failed invocation up to twice, so a crash that fails the job here may be retried on AWS`;

/**
 * CodePipeline re-invokes a continuation-token job after a delay of its own choosing; here after the interval, or as
 * soon as the deploy execution the job polls has ended.
 */
export const reinvokeDifference = (intervalMs: number, early: boolean): string =>
  `a job answered with a continuation token is invoked again ${intervalMs} ms later${
    early ? ', or as soon as the deploy execution it polls has ended' : ''
  }: on AWS CodePipeline re-invokes it after a delay of its own (undocumented, not the worker's to choose), so each poll of the action takes longer there`;

/**
 * A Lambda Invoke action, as CodePipeline runs it: a job per invocation (a new job id each time the worker answers
 * with a continuation token), the declared input artifacts, the resolved UserParameters.
 */
export const lambdaInvokeAction: ActionRunner = async ({ action, configuration, inputArtifacts }, environment) => {
  const waitBegan = Date.now();
  const delivery = await environment.delivery;
  // The first Invoke actions wait for the bootstrap running beside the first stages: the report says how long.
  if (Date.now() - waitBegan >= 50)
    environment.clock?.record(`${action.stage}/${action.name} waits for the bootstrap`, waitBegan);
  const functionName = functionNameOf(configuration.FunctionName, delivery.exports);
  const userParameters = configuration.UserParameters ?? '';
  if (typeof userParameters !== 'string') throw new LambdaInvokeActionError('UserParameters must be a string');
  // CodePipeline invokes with its role and hands the worker artifact credentials of that role.
  const pipelineRole = environment.roles?.pipeline;
  // The trigger names the deploy execution after the action's first job.
  const executionArnOf = (jobId: string | undefined): string =>
    executionArnFor(delivery.stateMachineArn, executionNameForJob(jobId ?? ''));
  const executionEnded = environment.release.executionEnded?.bind(environment.release);
  const outcome = await runLambdaInvokeAction({
    clients: pipelineRole?.clients ?? environment.release.clients,
    jobResult: (jobId) => environment.release.connection.jobResult(jobId),
    // Each job exists in the local CodePipeline, so the trigger's GetJobDetails finds where it runs.
    jobs: { createJob: (jobId, data) => environment.release.connection.createJob(jobId, data) },
    pipelineContext: {
      pipelineName: environment.pipeline.name,
      stage: action.stage,
      action: action.name,
      pipelineExecutionId: environment.pipelineExecutionId,
    },
    functionName,
    userParameters,
    inputArtifacts,
    artifactCredentials: pipelineRole?.credentials ?? environment.release.artifactCredentials,
    pollIntervalMs: environment.pollIntervalMs,
    ...(executionEnded ? { reinvokeEarly: (jobIds) => executionEnded(executionArnOf(jobIds[0])) } : {}),
    maxInvocations: 2000,
  });
  const firstJob = outcome.jobIds[0];
  const executionArns = firstJob ? [executionArnOf(firstJob)] : [];
  const calls = `${outcome.invocations} invocation${outcome.invocations === 1 ? '' : 's'} of ${functionName}`;
  const runAs = pipelineRole ? { runAs: pipelineRole.roleArn } : {};
  const differences = [
    invocationDifference(functionName),
    ...(outcome.invocations > 1 ? [reinvokeDifference(environment.pollIntervalMs, executionEnded !== undefined)] : []),
  ];
  if (outcome.status !== 'Succeeded') {
    return {
      ...runAs,
      status: 'Failed',
      summary: 'failed',
      detail: `${outcome.message ?? 'no message'}\n(${calls})`,
      executionArns,
      differences,
    };
  }
  const summary = outcome.summary ?? 'succeeded';
  const plan = await readPlanRecord(environment.release.clients.s3, action.name, outcome.outputVariables, summary);
  return {
    ...runAs,
    status: 'Succeeded',
    summary,
    detail: plan ? `${calls}\n${plan.text}` : calls,
    outputVariables: outcome.outputVariables,
    executionArns,
    differences,
    ...(plan ? { plan } : {}),
  };
};
