import * as codePipelineModel from '@aws-sdk/client-codepipeline';
import { AwsServiceError } from '../aws-error';
import { LOCAL_ACCOUNT_ID, type JobResult, type ServiceHandler } from '../contracts';
import type { LogSink } from '../log';
import { readJsonState, stateFile, writeJsonState } from '../persistence';
import { createJsonService, requireString } from '../protocols/json';

/** A recorded answer to a CodePipeline job: the contract's JobResult plus when and with which external id. */
export type RecordedJobResult = JobResult & {
  recordedAt: string;
  externalExecutionId?: string;
  percentComplete?: number;
};

/** Where a job runs, as GetJobDetails reports it (`jobDetails.data.pipelineContext`). */
export interface LocalPipelineContext {
  pipelineName: string;
  stage: { name: string };
  action: { name: string; actionExecutionId?: string };
  pipelineArn?: string;
  pipelineExecutionId: string;
}

/** What GetJobDetails returns as `jobDetails.data` for a job: the pipeline context plus what the event carried. */
export interface LocalJobData {
  pipelineContext: LocalPipelineContext;
  actionTypeId?: { category: string; owner: string; provider: string; version: string };
  actionConfiguration?: { configuration: Record<string, string> };
  inputArtifacts?: unknown[];
  outputArtifacts?: unknown[];
  artifactCredentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  continuationToken?: string;
}

export interface JobResultLog {
  get(jobId: string): RecordedJobResult | undefined;
  all(): RecordedJobResult[];
  /**
   * Registers a job as CodePipeline creates one before invoking the action's worker, so that GetJobDetails knows
   * it. The local release calls this for every invocation of a Lambda invoke action (a continuation is a new job).
   */
  createJob(jobId: string, data: LocalJobData): void;
}

interface CodePipelineState {
  jobResults: RecordedJobResult[];
  jobs?: Record<string, LocalJobData>;
}

// GetJobDetails' jobId constraint on AWS.
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const FAILURE_TYPES = [
  'JobFailed',
  'ConfigurationError',
  'PermissionError',
  'RevisionOutOfSync',
  'RevisionUnavailable',
  'SystemUnavailable',
];
const MESSAGE_LIMIT = 5000;
const SUMMARY_LIMIT = 2048;

const validation = (message: string): AwsServiceError => new AwsServiceError('ValidationException', message, 400);

const asRecord = (value: unknown, member: string): Record<string, unknown> | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw validation(
      `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must be a structure`,
    );
  return value as Record<string, unknown>;
};

const optionalText = (value: unknown, member: string, limit: number): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw validation(
      `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must be a string`,
    );
  if (value.length > limit) {
    throw validation(
      `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${limit}`,
    );
  }
  return value;
};

/**
 * The local CodePipeline's job-worker API: GetJobDetails for the jobs the local release creates (`createJob`), and
 * PutJobSuccessResult / PutJobFailureResult, as the pipeline's Lambda invoke actions call them. Every answer is
 * recorded (and persisted); a job answered twice is refused as on AWS.
 */
export function createCodePipelineService(
  stateDir: string,
  options: { log?: LogSink } = {},
): { handle: ServiceHandler; jobResults: JobResultLog } {
  const file = stateFile(stateDir, 'codepipeline');
  const state = readJsonState<CodePipelineState>(file, { jobResults: [] });
  const byId = new Map(state.jobResults.map((result) => [result.jobId, result]));
  const jobs = (state.jobs ??= {});

  const record = (result: RecordedJobResult): void => {
    const previous = byId.get(result.jobId);
    if (previous) {
      throw new AwsServiceError(
        'InvalidJobStateException',
        `Job ${result.jobId} is already ${previous.status === 'succeeded' ? 'Succeeded' : 'Failed'}; a job's result can be reported only once`,
        400,
      );
    }
    byId.set(result.jobId, result);
    state.jobResults.push(result);
    writeJsonState(file, state);
  };

  const createJob = (jobId: string, data: LocalJobData): void => {
    if (!JOB_ID.test(jobId)) throw new Error(`not a CodePipeline job id (a lower-case UUID): ${jobId}`);
    if (jobs[jobId]) throw new Error(`job ${jobId} already exists: CodePipeline gives every job a new id`);
    jobs[jobId] = structuredClone(data);
    writeJsonState(file, state);
  };

  const handle = createJsonService({
    serviceName: 'CodePipeline',
    targetPrefix: 'CodePipeline_20150709',
    jsonVersion: '1.1',
    model: codePipelineModel,
    ...(options.log ? { log: options.log } : {}),
    operations: {
      async GetJobDetails(input) {
        const jobId = requireString(input, 'jobId');
        if (!JOB_ID.test(jobId)) {
          throw validation(
            `1 validation error detected: Value '${jobId}' at 'jobId' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`,
          );
        }
        const data = jobs[jobId];
        if (!data) throw new AwsServiceError('JobNotFoundException', `Job ${jobId} not found`, 400);
        return { jobDetails: { id: jobId, accountId: LOCAL_ACCOUNT_ID, data } };
      },

      async PutJobSuccessResult(input) {
        const jobId = requireString(input, 'jobId');
        const continuationToken = optionalText(input.continuationToken, 'continuationToken', 2048);
        const details = asRecord(input.executionDetails, 'executionDetails');
        const summary = optionalText(details?.summary, 'executionDetails.summary', SUMMARY_LIMIT);
        const externalExecutionId = optionalText(
          details?.externalExecutionId,
          'executionDetails.externalExecutionId',
          1500,
        );
        const percentComplete = details?.percentComplete;
        if (
          percentComplete !== undefined &&
          (typeof percentComplete !== 'number' || percentComplete < 0 || percentComplete > 100)
        ) {
          throw validation(
            `1 validation error detected: Value at 'executionDetails.percentComplete' failed to satisfy constraint: Member must be between 0 and 100`,
          );
        }
        const variables = asRecord(input.outputVariables, 'outputVariables');
        let outputVariables: Record<string, string> | undefined;
        if (variables) {
          if (continuationToken !== undefined) {
            throw new AwsServiceError(
              'OutputVariablesSizeExceededException',
              'Output variables can be reported only with the final result, not together with a continuation token',
              400,
            );
          }
          outputVariables = {};
          for (const [name, value] of Object.entries(variables)) {
            if (typeof value !== 'string')
              throw validation(
                `1 validation error detected: Value at 'outputVariables.${name}' failed to satisfy constraint: Member must be a string`,
              );
            outputVariables[name] = value;
          }
        }
        record({
          jobId,
          status: 'succeeded',
          recordedAt: new Date().toISOString(),
          ...(summary !== undefined ? { summary } : {}),
          ...(continuationToken !== undefined ? { continuationToken } : {}),
          ...(outputVariables ? { outputVariables } : {}),
          ...(externalExecutionId !== undefined ? { externalExecutionId } : {}),
          ...(typeof percentComplete === 'number' ? { percentComplete } : {}),
        });
        return {};
      },

      // Not AWS: CodePipeline creates jobs and reads their results itself. A release run against a separate
      // `pnpm cloud` process (`pnpm start -- --endpoint`) does both through these two operations.
      async LocalCreateJob(input) {
        const jobId = requireString(input, 'jobId');
        const data = asRecord(input.data, 'data');
        if (!data || !asRecord(data.pipelineContext, 'data.pipelineContext')) {
          throw validation(`LocalCreateJob: data.pipelineContext is required`);
        }
        if (!JOB_ID.test(jobId))
          throw validation(`LocalCreateJob: not a CodePipeline job id (a lower-case UUID): ${jobId}`);
        if (jobs[jobId]) throw new AwsServiceError('InvalidJobStateException', `Job ${jobId} already exists`, 400);
        createJob(jobId, data as unknown as LocalJobData);
        return {};
      },

      async LocalGetJobResult(input) {
        const result = byId.get(requireString(input, 'jobId'));
        return result ? { result } : {};
      },

      async PutJobFailureResult(input) {
        const jobId = requireString(input, 'jobId');
        const details = asRecord(input.failureDetails, 'failureDetails');
        if (!details)
          throw validation(
            `1 validation error detected: Value at 'failureDetails' failed to satisfy constraint: Member must not be null`,
          );
        const failureType = details.type;
        if (typeof failureType !== 'string' || !FAILURE_TYPES.includes(failureType)) {
          throw validation(
            `1 validation error detected: Value '${String(failureType)}' at 'failureDetails.type' failed to satisfy constraint: Member must satisfy enum value set: [${FAILURE_TYPES.join(', ')}]`,
          );
        }
        const message = optionalText(details.message, 'failureDetails.message', MESSAGE_LIMIT);
        if (message === undefined || message === '') {
          throw validation(
            `1 validation error detected: Value at 'failureDetails.message' failed to satisfy constraint: Member must not be null and must have length greater than or equal to 1`,
          );
        }
        const externalExecutionId = optionalText(
          details.externalExecutionId,
          'failureDetails.externalExecutionId',
          1500,
        );
        record({
          jobId,
          status: 'failed',
          failureType,
          message,
          recordedAt: new Date().toISOString(),
          ...(externalExecutionId !== undefined ? { externalExecutionId } : {}),
        });
        return {};
      },
    },
  });

  return {
    handle,
    jobResults: {
      get: (jobId) => byId.get(jobId),
      all: () => [...state.jobResults],
      createJob,
    },
  };
}
