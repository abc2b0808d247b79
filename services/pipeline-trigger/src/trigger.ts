import {
  GetJobDetailsCommand,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
  type CodePipelineClient,
  type FailureType,
} from '@aws-sdk/client-codepipeline';
import type { S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  codePipelineFailureType,
  ConfigurationError,
  continuationTokenKeyId,
  decodeContinuationToken,
  describeJobForLog,
  encodeContinuationToken,
  executionArnFor,
  executionNameForJob,
  isRetryableError,
  jobBindingFromDetails,
  parsePipelineJob,
  readJobId,
  type ContinuationState,
  type JobBinding,
  type PipelineJob,
  type TokenKey,
} from '@glue-cd/core';
import { readObjectBody } from '@glue-cd/lambda-edge';
import type { CodePipelineEvent } from 'aws-lambda';
import { artifactS3Sdk, type ArtifactCredentials } from './clients';
import type * as DeployInputDocument from './deploy-input-document';
import type { ReadObject } from './deploy-input-document';
import { answerForExecution, failed, inProgress, type JobAnswer } from './job-answer';
import { Redactor } from './logging';
import type { TokenKeySource } from './token-keys';

export type { ArtifactCredentials } from './clients';

export interface TriggerDependencies {
  sfn: SFNClient;
  codePipeline: CodePipelineClient;
  /** Builds the S3 client that reads input artifacts with the job's short-lived artifact credentials. */
  artifactS3Factory: (credentials: ArtifactCredentials) => S3Client;
  /** The keys continuation tokens are signed with (the trigger's Secrets Manager secret). */
  tokenKeys: TokenKeySource;
  logger: Logger;
  /** The redactor behind `logger` (createTriggerLogger); also cleans the failure messages sent to CodePipeline. */
  redactor?: Redactor;
  /** Used when UserParameters has no stateMachineArn (env DEPLOY_STATE_MACHINE_ARN in the Lambda). */
  defaultStateMachineArn?: string | undefined;
  now?: () => Date;
}

/** The part of the Lambda context the trigger reads. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

// Kept back from the Lambda's remaining time to answer CodePipeline (one PutJob*Result within the client timeouts).
export const ANSWER_RESERVE_MS = 6_000;
// The answer itself gives up this long before the Lambda would be killed, so the failure is ours, not a timeout.
const ANSWER_MARGIN_MS = 500;

/** The CodePipeline failure type for an error that ended a job (core's one table; a bad continuation token is JobFailed). */
export const failureTypeFor = (error: unknown): FailureType => codePipelineFailureType(error);

/** Worth asking again on the next poll rather than failing a deploy that is still running (core's one table). */
export const isTransientAwsError = (error: unknown): boolean => isRetryableError(error);

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
  } catch (error) {
    throw new ConfigurationError(`DEPLOY_STATE_MACHINE_ARN is not a state machine ARN: ${arn}`, { cause: error });
  }
  return arn;
};

/**
 * Reading and validating the deploy input (core's deploy input schema, its zod schemas, the artifact zip reader),
 * required by a job's first invocation only: esbuild builds a required module into the bundle wrapped, so a cold
 * start does not construct those schemas and a continuation poll never does.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const deployInputDocument = () => require('./deploy-input-document') as typeof DeployInputDocument;

const isExecutionAlreadyExists = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ExecutionAlreadyExists';

const sendOptions = (signal: AbortSignal | undefined) => (signal ? { abortSignal: signal } : {});

/**
 * Settles with `work`, or rejects with an AbortError as soon as `signal` aborts: the deadline holds even where a
 * call does not honour its abort signal (an SDK middleware, a stream, a test double).
 */
export const withDeadline = <T>(signal: AbortSignal | undefined, work: Promise<T>): Promise<T> => {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
};

const abortError = (signal: AbortSignal): Error => {
  const error = new Error(`deadline passed: ${String((signal.reason as Error | undefined)?.message ?? signal.reason)}`);
  error.name = 'AbortError';
  return error;
};

/** How far a job got: what to answer if the Lambda's time runs short. */
interface Progress {
  step: string;
  /** The key new tokens are signed with, once read. */
  key?: TokenKey;
  /** Set from the moment a deploy execution may exist: running short of time then answers "in progress". */
  state?: ContinuationState;
}

interface Decision {
  answer: JobAnswer;
  key?: TokenKey | undefined;
}

/**
 * The CodePipeline Invoke action: the first invocation of a job starts the deploy state machine (idempotently,
 * named after the job), later invocations carry a continuation token and poll it. Tokens are signed (HMAC) with
 * the trigger's key and bound to the action execution (GetJobDetails). Every job gets an answer before the Lambda's
 * time runs out; only a failing PutJob*Result call makes the returned function reject.
 */
export const makeTrigger = (deps: TriggerDependencies) => {
  const { sfn, codePipeline, logger, tokenKeys } = deps;
  const redactor = deps.redactor ?? new Redactor();
  const now = deps.now ?? (() => new Date());

  const objectReader =
    (job: PipelineJob, signal: AbortSignal | undefined): ReadObject =>
    async ({ bucket, key }, maxBytes) => {
      const url = `s3://${bucket}/${key}`;
      const s3 = deps.artifactS3Factory(job.artifactCredentials);
      try {
        const object = await withDeadline(
          signal,
          s3.send(new (artifactS3Sdk().GetObjectCommand)({ Bucket: bucket, Key: key }), sendOptions(signal)),
        );
        return await withDeadline(signal, readObjectBody(object, url, maxBytes, signal));
      } catch (error) {
        if (error instanceof ConfigurationError) throw error;
        const wrapped = new Error(`cannot read ${url}: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
        // The failure type and the transient check read the name (AccessDenied, NoSuchKey, SlowDown…).
        wrapped.name = error instanceof Error ? error.name : 'Error';
        throw wrapped;
      } finally {
        s3.destroy();
      }
    };

  /** The action execution this job belongs to; the response repeats the artifact credentials, so it is never logged. */
  const jobBinding = async (jobId: string, signal: AbortSignal | undefined): Promise<JobBinding> => {
    const details = await withDeadline(
      signal,
      codePipeline.send(new GetJobDetailsCommand({ jobId }), sendOptions(signal)),
    );
    const credentials = details.jobDetails?.data?.artifactCredentials;
    redactor.remember(credentials?.accessKeyId, credentials?.secretAccessKey, credentials?.sessionToken);
    return jobBindingFromDetails(jobId, details);
  };

  const start = async (
    job: PipelineJob,
    stateMachineArn: string,
    binding: JobBinding,
    progress: Progress,
    signal: AbortSignal | undefined,
  ): Promise<JobAnswer> => {
    progress.step = 'reading the deploy input';
    const { buildDeployInput, loadDeployInputDocument } = deployInputDocument();
    const input = buildDeployInput(await loadDeployInputDocument(job, objectReader(job, signal)), job);
    logger.appendKeys({ stackName: input.stackName });
    const executionName = executionNameForJob(job.jobId);
    const executionArn = executionArnFor(stateMachineArn, executionName);
    logger.appendKeys({ executionArn });
    const state: ContinuationState = {
      executionArn,
      executionName,
      jobId: job.jobId,
      startedAt: now().toISOString(),
      polls: 0,
      binding,
    };
    const summary = `${input.action === 'plan' ? 'Planning' : input.action === 'delete' ? 'Deleting' : 'Deploying'} stack ${input.stackName} (${input.environmentName}) with execution ${executionName}`;
    progress.step = 'starting the deploy execution';
    signal?.throwIfAborted();
    // From here on the execution may exist, so running short of time answers "in progress" and the poll finds out.
    progress.state = state;
    try {
      // Deterministic input (no timestamps): a duplicate invocation of this job names the same execution.
      await withDeadline(
        signal,
        sfn.send(
          new StartExecutionCommand({ stateMachineArn, name: executionName, input: JSON.stringify(input) }),
          sendOptions(signal),
        ),
      );
      logger.info('deploy execution started', { environmentName: input.environmentName, action: input.action });
    } catch (error) {
      if (isExecutionAlreadyExists(error)) {
        logger.warn('deploy execution for this job already exists: following it instead of starting another');
      } else if (isTransientAwsError(error) || signal?.aborted) {
        logger.warn('StartExecution did not complete; the execution may have started: polling it', {
          error: describeError(error),
        });
      } else {
        progress.state = undefined;
        throw error;
      }
    }
    return inProgress(state, summary);
  };

  const poll = async (
    token: string,
    stateMachineArn: string,
    binding: JobBinding,
    progress: Progress,
    signal: AbortSignal | undefined,
  ): Promise<JobAnswer> => {
    const keyId = continuationTokenKeyId(token);
    progress.step = 'reading the continuation token key';
    progress.key = await withDeadline(signal, tokenKeys.current(signal));
    const signer = await withDeadline(signal, tokenKeys.find(keyId, signal));
    redactor.remember(progress.key.secret, signer?.secret);
    const state = decodeContinuationToken(token, { stateMachineArn, binding, keys: signer ? [signer] : [] });
    logger.appendKeys({ executionArn: state.executionArn, firstJobId: state.jobId });
    if (signer && signer.id !== progress.key.id) {
      logger.info('continuation token signed with the previous key version; the next one is signed with the current');
    }
    progress.step = 'reading the deploy execution';
    progress.state = { ...state, polls: state.polls + 1 };
    try {
      const execution = await withDeadline(
        signal,
        sfn.send(new DescribeExecutionCommand({ executionArn: state.executionArn }), sendOptions(signal)),
      );
      logger.info('deploy execution status', { status: execution.status, polls: state.polls });
      return answerForExecution(state, execution);
    } catch (error) {
      if (error instanceof Error && error.name === 'ExecutionDoesNotExist' && state.polls === 0) {
        const missing = new Error(
          `deploy execution ${state.executionArn} does not exist: StartExecution never completed; retry the action`,
          { cause: error },
        );
        missing.name = 'ExecutionDoesNotExist';
        throw missing;
      }
      if (!isTransientAwsError(error) && !signal?.aborted) throw error;
      logger.warn('could not read the deploy execution; asking again on the next poll', {
        error: describeError(error),
      });
      return inProgress(
        progress.state,
        `Deploy execution ${state.executionName}: status unknown for now (${describeError(error)})`,
      );
    }
  };

  const outOfTime = (progress: Progress, budgetMs: number): JobAnswer => {
    const why = `the trigger's time ran short (${Math.round(budgetMs / 1000)} s of its Lambda time before answering) while ${progress.step}`;
    logger.warn('time ran short; answering CodePipeline before the Lambda times out', { step: progress.step });
    if (progress.state && progress.key) {
      return inProgress(progress.state, `Deploy execution ${progress.state.executionName}: ${why}; polling again`);
    }
    return failed('JobFailed', `${why}; no deploy was started, retry the action`);
  };

  const decide = async (event: CodePipelineEvent, signal: AbortSignal | undefined, budgetMs: number) => {
    const progress: Progress = { step: 'reading the job event' };
    const decision = (answer: JobAnswer): Decision => ({ answer, key: progress.key });
    try {
      const job = parsePipelineJob(event);
      redactor.remember(
        job.artifactCredentials.accessKeyId,
        job.artifactCredentials.secretAccessKey,
        job.artifactCredentials.sessionToken,
        job.continuationToken,
      );
      logger.info('CodePipeline job received', describeJobForLog(job));
      const stateMachineArn = resolveStateMachineArn(job, deps.defaultStateMachineArn);
      progress.step = 'reading the job details (GetJobDetails)';
      const binding = await jobBinding(job.jobId, signal);
      logger.appendKeys({ pipelineExecutionId: binding.pipelineExecutionId, action: binding.action });
      if (job.continuationToken !== undefined) {
        return decision(await poll(job.continuationToken, stateMachineArn, binding, progress, signal));
      }
      progress.step = 'reading the continuation token key';
      progress.key = await withDeadline(signal, tokenKeys.current(signal));
      redactor.remember(progress.key.secret);
      return decision(await start(job, stateMachineArn, binding, progress, signal));
    } catch (error) {
      if (signal?.aborted) return decision(outOfTime(progress, budgetMs));
      const failureType = failureTypeFor(error);
      logger.error('job failed before the deploy could finish', { failureType, error: describeError(error) });
      return decision(failed(failureType, describeError(error), progress.state?.executionArn));
    }
  };

  const answer = async (
    jobId: string,
    { answer: result, key }: Decision,
    signal: AbortSignal | undefined,
  ): Promise<JobAnswer> => {
    const put = (command: PutJobSuccessResultCommand | PutJobFailureResultCommand) =>
      withDeadline(signal, codePipeline.send(command as PutJobSuccessResultCommand, sendOptions(signal)));
    switch (result.kind) {
      case 'in-progress': {
        let continuationToken: string;
        try {
          if (!key) throw new Error('no continuation token key was read');
          continuationToken = encodeContinuationToken(result.state, key);
        } catch (error) {
          return answer(
            jobId,
            { answer: failed('JobFailed', describeError(error), result.state.executionArn) },
            signal,
          );
        }
        redactor.remember(continuationToken);
        await put(
          new PutJobSuccessResultCommand({
            jobId,
            continuationToken,
            executionDetails: {
              summary: redactor.text(result.summary),
              externalExecutionId: result.state.executionArn,
            },
          }),
        );
        return result;
      }
      case 'succeeded':
        if (result.droppedOutputs.length > 0) {
          logger.warn('stack outputs not passed on as output variables', { droppedOutputs: result.droppedOutputs });
        }
        await put(
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
        return result;
      case 'failed': {
        // Failure messages show in the CodePipeline console: no credential may reach them either.
        const cleaned = { ...result, message: redactor.text(result.message) };
        await put(
          new PutJobFailureResultCommand({
            jobId,
            failureDetails: {
              type: cleaned.failureType,
              message: cleaned.message,
              ...(cleaned.executionArn !== undefined ? { externalExecutionId: cleaned.executionArn } : {}),
            },
          }),
        );
        return cleaned;
      }
    }
  };

  return async (event: CodePipelineEvent, context?: InvocationContext): Promise<JobAnswer> => {
    logger.resetKeys();
    redactor.forget();
    const remaining = context?.getRemainingTimeInMillis();
    const budgetMs = remaining === undefined ? Number.POSITIVE_INFINITY : remaining - ANSWER_RESERVE_MS;
    const work = remaining === undefined ? undefined : AbortSignal.timeout(Math.max(0, budgetMs));
    const answering =
      remaining === undefined ? undefined : AbortSignal.timeout(Math.max(0, remaining - ANSWER_MARGIN_MS));
    // Without a job id there is nobody to answer: the only case that throws before answering.
    const jobId = readJobId(event);
    logger.appendKeys({ jobId });
    const decided = await decide(event, work, budgetMs);
    const result = await answer(jobId, decided, answering);
    logger.info('answered CodePipeline', {
      answer: result.kind,
      ...(result.kind === 'failed' ? { failureType: result.failureType, failureMessage: result.message } : {}),
    });
    return result;
  };
};
