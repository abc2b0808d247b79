import {
  CodePipelineClient,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
  type FailureType,
} from '@aws-sdk/client-codepipeline';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  ConfigurationError,
  decodeContinuationToken,
  describeJobForLog,
  encodeContinuationToken,
  executionArnFor,
  executionNameForJob,
  parsePipelineJob,
  readJobId,
  type ContinuationState,
  type PipelineJob,
} from '@glue-cd/core';
import type { CodePipelineEvent } from 'aws-lambda';
import { buildDeployInput, loadDeployInputDocument, type ReadObject } from './deploy-input-document';
import { answerForExecution, failed, inProgress, type JobAnswer } from './job-answer';

export type ArtifactCredentials = PipelineJob['artifactCredentials'];

export interface TriggerDependencies {
  sfn: SFNClient;
  codePipeline: CodePipelineClient;
  /** Builds the S3 client that reads input artifacts with the job's short-lived artifact credentials. */
  artifactS3Factory: (credentials: ArtifactCredentials) => S3Client;
  logger: Logger;
  /** Used when UserParameters has no stateMachineArn (env DEPLOY_STATE_MACHINE_ARN in the Lambda). */
  defaultStateMachineArn?: string | undefined;
  now?: () => Date;
}

/** The S3 client for artifacts: static credentials from the job, never the Lambda role's. */
export const artifactS3Client = (credentials: ArtifactCredentials): S3Client =>
  new S3Client({
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
    },
    // A custom endpoint (the local cloud on 127.0.0.1) has no bucket sub-domains.
    forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL),
  });

const PERMISSION_ERRORS = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'Forbidden',
  'InvalidAccessKeyId',
  'ExpiredToken',
]);
const CONFIGURATION_ERRORS = new Set([
  'ConfigurationError',
  'StateMachineDoesNotExist',
  'StateMachineDeleting',
  'InvalidArn',
  'InvalidName',
  'InvalidExecutionInput',
  'NoSuchBucket',
  'NoSuchKey',
]);

/** The CodePipeline failure type for an error that ended a job (a bad continuation token is JobFailed). */
export const failureTypeFor = (error: unknown): FailureType => {
  const name = error instanceof Error ? error.name : '';
  if (CONFIGURATION_ERRORS.has(name)) return 'ConfigurationError';
  if (PERMISSION_ERRORS.has(name)) return 'PermissionError';
  return 'JobFailed';
};

const TRANSIENT_ERRORS = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'InternalServerError',
  'TimeoutError',
]);

/** Worth asking again on the next poll rather than failing a deploy that is still running. */
export const isTransientAwsError = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  const metadata = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  if (TRANSIENT_ERRORS.has(error.name)) return true;
  if (metadata?.httpStatusCode !== undefined) return metadata.httpStatusCode >= 500;
  // No HTTP response at all: a network error.
  return ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND'].includes(
    (error as NodeJS.ErrnoException).code ?? '',
  );
};

const describeError = (error: unknown): string =>
  error instanceof Error
    ? error.name && error.name !== 'Error'
      ? `${error.name}: ${error.message}`
      : error.message
    : String(error);

const resolveStateMachineArn = (job: PipelineJob, fallback: string | undefined): string => {
  const arn = job.userParameters.stateMachineArn ?? (fallback?.trim() || undefined);
  if (arn === undefined) {
    throw new ConfigurationError(
      'no deploy state machine: set UserParameters.stateMachineArn or the DEPLOY_STATE_MACHINE_ARN environment variable',
    );
  }
  try {
    executionArnFor(arn, 'probe');
  } catch {
    throw new ConfigurationError(`DEPLOY_STATE_MACHINE_ARN is not a state machine ARN: ${arn}`);
  }
  return arn;
};

const isExecutionAlreadyExists = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ExecutionAlreadyExists';

/**
 * The CodePipeline Invoke action: the first invocation of a job starts the deploy state machine (idempotently,
 * named after the job), later invocations carry a continuation token and poll it. Every job gets an answer;
 * only a failing PutJob*Result call makes the returned function reject.
 */
export const makeTrigger = (deps: TriggerDependencies) => {
  const { sfn, codePipeline, logger } = deps;
  const now = deps.now ?? (() => new Date());

  const objectReader =
    (job: PipelineJob): ReadObject =>
    async ({ bucket, key }) => {
      const s3 = deps.artifactS3Factory(job.artifactCredentials);
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!object.Body) throw new Error('empty body');
        return await object.Body.transformToByteArray();
      } catch (error) {
        const wrapped = new Error(
          `cannot read s3://${bucket}/${key}: ${error instanceof Error ? error.message : String(error)}`,
        );
        wrapped.name = error instanceof Error ? error.name : 'Error';
        throw wrapped;
      }
    };

  const start = async (job: PipelineJob, stateMachineArn: string): Promise<JobAnswer> => {
    const input = buildDeployInput(await loadDeployInputDocument(job, objectReader(job)), job);
    logger.appendKeys({ stackName: input.stackName });
    const executionName = executionNameForJob(job.jobId);
    let executionArn: string;
    try {
      // Deterministic input (no timestamps): a duplicate invocation of this job names the same execution.
      const started = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, name: executionName, input: JSON.stringify(input) }),
      );
      executionArn = started.executionArn ?? executionArnFor(stateMachineArn, executionName);
      logger.appendKeys({ executionArn });
      logger.info('deploy execution started', { environmentName: input.environmentName, action: input.action });
    } catch (error) {
      if (!isExecutionAlreadyExists(error)) throw error;
      executionArn = executionArnFor(stateMachineArn, executionName);
      logger.appendKeys({ executionArn });
      logger.warn('deploy execution for this job already exists: following it instead of starting another');
    }
    const state: ContinuationState = {
      executionArn,
      executionName,
      jobId: job.jobId,
      startedAt: now().toISOString(),
      polls: 0,
    };
    return inProgress(
      state,
      `Deploying stack ${input.stackName} (${input.environmentName}) with execution ${executionName}`,
    );
  };

  const poll = async (job: PipelineJob, token: string, stateMachineArn: string): Promise<JobAnswer> => {
    const state = decodeContinuationToken(token, { stateMachineArn });
    logger.appendKeys({ executionArn: state.executionArn, firstJobId: state.jobId });
    try {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: state.executionArn }));
      logger.info('deploy execution status', { status: execution.status, polls: state.polls });
      return answerForExecution(state, execution);
    } catch (error) {
      if (!isTransientAwsError(error)) throw error;
      logger.warn('could not read the deploy execution; asking again on the next poll', {
        error: describeError(error),
      });
      const next = { ...state, polls: state.polls + 1 };
      return inProgress(
        next,
        `Deploy execution ${state.executionName}: status unknown for now (${describeError(error)})`,
      );
    }
  };

  const decide = async (event: CodePipelineEvent): Promise<JobAnswer> => {
    try {
      const job = parsePipelineJob(event);
      logger.info('CodePipeline job received', describeJobForLog(job));
      const stateMachineArn = resolveStateMachineArn(job, deps.defaultStateMachineArn);
      return job.continuationToken === undefined
        ? await start(job, stateMachineArn)
        : await poll(job, job.continuationToken, stateMachineArn);
    } catch (error) {
      const failureType = failureTypeFor(error);
      logger.error('job failed before the deploy could finish', { failureType, error: describeError(error) });
      return failed(failureType, describeError(error));
    }
  };

  const answer = async (jobId: string, result: JobAnswer): Promise<void> => {
    switch (result.kind) {
      case 'in-progress': {
        let continuationToken: string;
        try {
          continuationToken = encodeContinuationToken(result.state);
        } catch (error) {
          return answer(jobId, failed('JobFailed', describeError(error), result.state.executionArn));
        }
        await codePipeline.send(
          new PutJobSuccessResultCommand({
            jobId,
            continuationToken,
            executionDetails: { summary: result.summary, externalExecutionId: result.state.executionArn },
          }),
        );
        return;
      }
      case 'succeeded':
        if (result.droppedOutputs.length > 0) {
          logger.warn('stack outputs not passed on as output variables', { droppedOutputs: result.droppedOutputs });
        }
        await codePipeline.send(
          new PutJobSuccessResultCommand({
            jobId,
            executionDetails: {
              summary: result.summary,
              externalExecutionId: result.executionArn,
              percentComplete: 100,
            },
            outputVariables: result.outputVariables,
          }),
        );
        return;
      case 'failed':
        await codePipeline.send(
          new PutJobFailureResultCommand({
            jobId,
            failureDetails: {
              type: result.failureType,
              message: result.message,
              ...(result.executionArn !== undefined ? { externalExecutionId: result.executionArn } : {}),
            },
          }),
        );
    }
  };

  return async (event: CodePipelineEvent): Promise<JobAnswer> => {
    logger.resetKeys();
    // Without a job id there is nobody to answer: the only case that throws before answering.
    const jobId = readJobId(event);
    logger.appendKeys({ jobId });
    const result = await decide(event);
    await answer(jobId, result);
    logger.info('answered CodePipeline', {
      answer: result.kind,
      ...(result.kind === 'failed' ? { failureType: result.failureType, failureMessage: result.message } : {}),
    });
    return result;
  };
};
