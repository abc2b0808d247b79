import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { CodePipelineEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { JobResult, JobResultLog, LocalJobData } from '@glue-cd/local-cloud';
import type { CloudClients } from './clients';

/** Where a CodePipeline artifact zip is stored. */
export interface ArtifactLocation {
  name: string;
  bucket: string;
  key: string;
}

/** What the job worker reported to CodePipeline for one job (recorded by the local cloud's CodePipeline). */
export type { JobResult };

export interface InvokeActionOutcome {
  status: 'Succeeded' | 'Failed';
  jobIds: string[];
  invocations: number;
  summary?: string;
  message?: string;
  outputVariables: Record<string, string>;
}

export interface InvokeActionOptions {
  clients: CloudClients;
  /** Reads what the job worker reported for a job; the local cloud's CodePipeline records it. */
  jobResult: (jobId: string) => Promise<JobResult | undefined>;
  functionName: string;
  userParameters: string;
  inputArtifacts: ArtifactLocation[];
  /** The keys the job hands the worker for its artifacts (issued by the local cloud). */
  artifactCredentials: { accessKeyId: string; secretAccessKey: string };
  /** How long after a continuation-token answer the next job is invoked (CodePipeline's re-invoke delay). */
  pollIntervalMs: number;
  /**
   * Resolves when what the worker waits for has happened (the local cloud's deploy execution ended): the next job is
   * then invoked at once instead of after the rest of pollIntervalMs. A rejection waits the whole interval.
   */
  reinvokeEarly?: (jobIds: readonly string[]) => Promise<unknown>;
  maxInvocations: number;
  /** Called after each invocation, for progress output. */
  onInvocation?: (invocation: number, result: JobResult) => void;
  /**
   * The local CodePipeline's job registry: each job is created there before its invocation, as CodePipeline does,
   * so the worker's GetJobDetails finds it (the trigger binds its continuation tokens to the pipeline context).
   */
  jobs?: { createJob(jobId: string, data: Parameters<JobResultLog['createJob']>[1]): void | Promise<void> };
  /** Where the action runs (GetJobDetails' pipelineContext); every run of the action is a new pipeline execution. */
  pipelineContext?: { pipelineName?: string; stage?: string; action?: string; pipelineExecutionId?: string };
}

/**
 * Runs one CodePipeline Lambda Invoke action the way CodePipeline does: invoke with a job, read the job result,
 * and while the worker answers with a continuation token invoke again with a new job that carries it.
 */
export const runLambdaInvokeAction = async (options: InvokeActionOptions): Promise<InvokeActionOutcome> => {
  const jobIds: string[] = [];
  let continuationToken: string | undefined;
  const pipelineContext = localPipelineContext(options);
  for (let invocation = 1; invocation <= options.maxInvocations; invocation += 1) {
    const jobId = randomUUID();
    jobIds.push(jobId);
    const event = codePipelineJobEvent({ ...options, jobId, continuationToken });
    await options.jobs?.createJob(jobId, { pipelineContext, ...event['CodePipeline.job'].data });
    const response = await options.clients.lambda.send(
      new InvokeCommand({ FunctionName: options.functionName, Payload: Buffer.from(JSON.stringify(event)) }),
    );
    const result = await options.jobResult(jobId);
    if (!result) {
      const payload = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
      return {
        status: 'Failed',
        jobIds,
        invocations: invocation,
        outputVariables: {},
        message: `job ${jobId}: ${options.functionName} reported no result to CodePipeline${
          response.FunctionError ? ` (function error: ${payload})` : ''
        }; CodePipeline would time the action out`,
      };
    }
    options.onInvocation?.(invocation, result);
    if (result.status === 'failed') {
      return { status: 'Failed', jobIds, invocations: invocation, outputVariables: {}, message: result.message };
    }
    if (!result.continuationToken) {
      return {
        status: 'Succeeded',
        jobIds,
        invocations: invocation,
        outputVariables: result.outputVariables ?? {},
        ...(result.summary !== undefined ? { summary: result.summary } : {}),
      };
    }
    continuationToken = result.continuationToken;
    await untilReinvoke(options, jobIds);
  }
  return {
    status: 'Failed',
    jobIds,
    invocations: options.maxInvocations,
    outputVariables: {},
    message: `still running after ${options.maxInvocations} invocations; CodePipeline would time the action out`,
  };
};

/** The re-invoke delay, cut short when `reinvokeEarly` resolves first. */
const untilReinvoke = async (
  options: Pick<InvokeActionOptions, 'pollIntervalMs' | 'reinvokeEarly'>,
  jobIds: readonly string[],
): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  const interval = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, options.pollIntervalMs);
  });
  const early = options.reinvokeEarly?.(jobIds).then(
    () => undefined,
    () => interval,
  );
  await Promise.race(early ? [interval, early] : [interval]);
  clearTimeout(timer);
};

/** GetJobDetails' pipelineContext for one run of an action: the same for all its jobs (continuations included). */
export const localPipelineContext = (
  options: Pick<InvokeActionOptions, 'functionName' | 'pipelineContext'>,
): LocalJobData['pipelineContext'] => {
  const given = options.pipelineContext ?? {};
  return {
    pipelineName: given.pipelineName ?? 'glue-cd-local',
    stage: { name: given.stage ?? 'Local' },
    action: { name: given.action ?? options.functionName, actionExecutionId: randomUUID() },
    pipelineExecutionId: given.pipelineExecutionId ?? randomUUID(),
  };
};

export const codePipelineJobEvent = (job: {
  jobId: string;
  functionName: string;
  userParameters: string;
  inputArtifacts: ArtifactLocation[];
  artifactCredentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  continuationToken?: string | undefined;
}): CodePipelineEvent => ({
  'CodePipeline.job': {
    id: job.jobId,
    accountId: '000000000000',
    data: {
      actionConfiguration: {
        configuration: { FunctionName: job.functionName, UserParameters: job.userParameters },
      },
      inputArtifacts: job.inputArtifacts.map((artifact) => ({
        name: artifact.name,
        revision: null,
        location: { type: 'S3', s3Location: { bucketName: artifact.bucket, objectKey: artifact.key } },
      })),
      outputArtifacts: [],
      // The artifact credentials CodePipeline hands the worker: keys the local cloud issued (it verifies signatures).
      artifactCredentials: { sessionToken: '', ...job.artifactCredentials },
      ...(job.continuationToken !== undefined ? { continuationToken: job.continuationToken } : {}),
    },
  },
});
