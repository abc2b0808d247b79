import type { CodePipelineEvent } from 'aws-lambda';
import { z } from 'zod';
import { ConfigurationError, formatIssuePath } from '../errors';

// PutJobFailureResult rejects longer failure messages.
export const CODEPIPELINE_MESSAGE_LIMIT = 5000;

/** UserParameters of a Lambda invoke action that drives the deploy state machine. */
export const UserParametersSchema = z
  .object({
    stateMachineArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/,
        'must be a state machine ARN',
      )
      .optional(),
    /** The deploy input, inline. */
    input: z.record(z.string(), z.unknown()).optional(),
    /** A JSON deploy input file: a path inside the first input artifact, or an s3://bucket/key URL. */
    inputFile: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((parameters, ctx) => {
    const given = [parameters.input, parameters.inputFile].filter((value) => value !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of "input" (inline) or "inputFile"' });
    }
  });
export type UserParameters = z.output<typeof UserParametersSchema>;

export interface ArtifactRef {
  name: string;
  bucket: string;
  key: string;
}

export interface PipelineJob {
  jobId: string;
  accountId: string;
  functionName: string;
  userParameters: UserParameters;
  inputArtifacts: ArtifactRef[];
  /** Short-lived credentials for the artifact bucket: use them, never log them. */
  artifactCredentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  continuationToken?: string;
}

const jobOf = (event: unknown) =>
  typeof event === 'object' && event !== null
    ? ((event as Partial<CodePipelineEvent>)['CodePipeline.job'] as
        Partial<CodePipelineEvent['CodePipeline.job']> | undefined)
    : undefined;

/** The job id alone, so that a job with bad parameters can still be answered. */
export const readJobId = (event: unknown): string => {
  const id = jobOf(event)?.id;
  if (typeof id !== 'string' || id.length === 0) {
    throw new ConfigurationError('event is not a CodePipeline job: "CodePipeline.job".id is missing');
  }
  return id;
};

export const parseUserParameters = (text: string | undefined): UserParameters => {
  if (text === undefined || text.trim() === '') {
    throw new ConfigurationError('UserParameters is empty: give {"input": {...}} or {"inputFile": "..."}');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`UserParameters is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = UserParametersSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigurationError(
      parsed.error.issues
        .map((issue) => `UserParameters${issue.path.length ? `.${formatIssuePath(issue.path)}` : ''}: ${issue.message}`)
        .join('; '),
    );
  }
  return parsed.data;
};

/** Parses a CodePipeline Lambda job event and its UserParameters; errors name what is wrong. */
export const parsePipelineJob = (event: CodePipelineEvent): PipelineJob => {
  const jobId = readJobId(event);
  const job = event['CodePipeline.job'];
  const data = job.data;
  if (!data?.actionConfiguration?.configuration) {
    throw new ConfigurationError(`job ${jobId}: data.actionConfiguration.configuration is missing`);
  }
  const { FunctionName, UserParameters } = data.actionConfiguration.configuration;
  const inputArtifacts = (data.inputArtifacts ?? []).map((artifact, index) => {
    const s3 = artifact.location?.s3Location;
    if (artifact.location?.type !== 'S3' || !s3?.bucketName || !s3.objectKey) {
      throw new ConfigurationError(`job ${jobId}: inputArtifacts[${index}] (${artifact.name}) has no S3 location`);
    }
    return { name: artifact.name, bucket: s3.bucketName, key: s3.objectKey };
  });
  return {
    jobId,
    accountId: job.accountId,
    functionName: FunctionName,
    userParameters: parseUserParameters(UserParameters),
    inputArtifacts,
    artifactCredentials: data.artifactCredentials,
    ...(data.continuationToken ? { continuationToken: data.continuationToken } : {}),
  };
};

/** The fields of a job that are safe to log: never the artifact credentials. */
export const describeJobForLog = (job: PipelineJob) => ({
  jobId: job.jobId,
  functionName: job.functionName,
  inputArtifacts: job.inputArtifacts.map((artifact) => artifact.name),
  continuation: job.continuationToken !== undefined,
});

/** Keeps a failure message within CodePipeline's limit, saying how much was cut. */
export const truncateFailureMessage = (message: string, limit = CODEPIPELINE_MESSAGE_LIMIT): string => {
  if (message.length <= limit) return message;
  let keep = limit;
  let marker = '';
  // The marker's length depends on the count it reports; settle both.
  for (let i = 0; i < 3; i += 1) {
    marker = ` … [truncated ${message.length - keep} characters]`;
    keep = Math.max(0, limit - marker.length);
  }
  return `${message.slice(0, keep)}${marker}`.slice(0, limit);
};

/** A valid, deterministic Step Functions execution name for a job: a duplicate invocation maps to the same one. */
export const executionNameForJob = (jobId: string): string =>
  `codepipeline-${jobId}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80);
