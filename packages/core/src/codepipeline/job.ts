import type { CodePipelineEvent } from 'aws-lambda';
import type { JobBinding } from '../continuation-token';
import { ConfigurationError, formatIssuePath, JobDetailsError } from '../errors';
import { nonEmptyString } from '../schema-pieces';
import * as z from '../zod-mini';

/** UserParameters of a Lambda invoke action that drives the deploy state machine. */
export const UserParametersSchema = z
  .strictObject({
    stateMachineArn: z.optional(
      z
        .string()
        .check(
          z.regex(
            /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/,
            'must be a state machine ARN',
          ),
        ),
    ),
    /** The deploy input, inline. */
    input: z.optional(z.record(z.string(), z.unknown())),
    /** A JSON deploy input file: a path inside the first input artifact, or an s3://bucket/key URL. */
    inputFile: z.optional(nonEmptyString),
    /** `plan`: plan the document's deploy (same settings, one declaration) instead of running it. */
    action: z.optional(z.literal('plan', 'can only be "plan" (plan the deploy the input describes)')),
    /**
     * The plan a reviewer approved (`#{<plan action namespace>.PlanUrl}`): used as the deploy's approvedPlan when its
     * input says `"onBroadening": "approve"` and names no plan itself; ignored otherwise.
     */
    approvedPlan: z.optional(
      z
        .string()
        .check(
          z.regex(/^s3:\/\/[^/\s]+\/plans\/[^\s]+\.json$/, 'must be s3://<bucket>/plans/<stack>/<execution>.json'),
        ),
    ),
  })
  .check(
    z.superRefine((parameters, ctx) => {
      const given = [parameters.input, parameters.inputFile].filter((value) => value !== undefined).length;
      if (given !== 1) {
        ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of "input" (inline) or "inputFile"' });
      }
      if (parameters.action === 'plan' && parameters.approvedPlan !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['approvedPlan'], message: 'a plan action approves nothing: drop it' });
      }
    }),
  );
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
    throw new ConfigurationError(`UserParameters is not valid JSON: ${(error as Error).message}`, { cause: error });
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

const text = z.string().check(z.minLength(1, 'must be a non-empty string'));

const ArtifactSchema = z.object({
  name: text,
  location: z.object({
    type: z.literal('S3', 'must be "S3": the trigger reads input artifacts from S3 only'),
    s3Location: z.object({ bucketName: text, objectKey: text }),
  }),
});

// Only the members the trigger reads; CodePipeline may add others.
const JobEventSchema = z.object({
  'CodePipeline.job': z.object({
    id: text,
    accountId: text,
    data: z.object({
      actionConfiguration: z.object({
        configuration: z.object({ FunctionName: text, UserParameters: z.optional(z.string()) }),
      }),
      inputArtifacts: z.nullish(z.array(ArtifactSchema)),
      artifactCredentials: z.object({
        accessKeyId: text,
        secretAccessKey: text,
        sessionToken: z.optional(z.string()),
      }),
      // A present token, even "", marks a continuation: it must never be mistaken for a first invocation.
      continuationToken: z.optional(z.string()),
    }),
  }),
});

// How many problems one error message lists.
const LISTED_ISSUES = 5;

/** `is missing` / `must be a string` instead of zod's wording; never echoes the value (it may be a credential). */
const issueMessage = (issue: z.core.$ZodIssue): string => {
  if (issue.code === 'invalid_type') {
    if (/received undefined/.test(issue.message)) return 'is missing';
    return `must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
  }
  return issue.message;
};

const describeIssues = (issues: readonly z.core.$ZodIssue[]): string => {
  const described = issues
    .slice(0, LISTED_ISSUES)
    .map((issue) => {
      const [root, ...rest] = issue.path;
      const path = root === undefined ? 'event' : `"${String(root)}"${rest.length ? `.${formatIssuePath(rest)}` : ''}`;
      return `${path}: ${issueMessage(issue)}`;
    })
    .join('; ');
  return issues.length > LISTED_ISSUES ? `${described}; and ${issues.length - LISTED_ISSUES} more` : described;
};

/** Parses a CodePipeline Lambda job event and its UserParameters; errors name the field that is wrong. */
export const parsePipelineJob = (event: CodePipelineEvent): PipelineJob => {
  const jobId = readJobId(event);
  const parsed = JobEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new ConfigurationError(
      `job ${jobId}: not a valid CodePipeline job event: ${describeIssues(parsed.error.issues)}`,
    );
  }
  const job = parsed.data['CodePipeline.job'];
  const { data } = job;
  const { FunctionName, UserParameters } = data.actionConfiguration.configuration;
  const { accessKeyId, secretAccessKey, sessionToken } = data.artifactCredentials;
  return {
    jobId,
    accountId: job.accountId,
    functionName: FunctionName,
    userParameters: parseUserParameters(UserParameters),
    inputArtifacts: (data.inputArtifacts ?? []).map((artifact) => ({
      name: artifact.name,
      bucket: artifact.location.s3Location.bucketName,
      key: artifact.location.s3Location.objectKey,
    })),
    artifactCredentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
    ...(data.continuationToken !== undefined ? { continuationToken: data.continuationToken } : {}),
  };
};

const JobDetailsSchema = z.object({
  jobDetails: z.object({
    id: z.optional(z.string()),
    data: z.object({
      pipelineContext: z.object({
        pipelineName: text,
        stage: z.object({ name: text }),
        action: z.object({ name: text }),
        pipelineExecutionId: text,
      }),
    }),
  }),
});

/**
 * The action execution a job belongs to, from a GetJobDetails response: the same for the first job and every
 * continuation job of one action execution, different for any other action, stage, pipeline or pipeline execution.
 */
export const jobBindingFromDetails = (jobId: string, response: unknown): JobBinding => {
  const parsed = JobDetailsSchema.safeParse(response);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new JobDetailsError(
      `GetJobDetails(${jobId}): ${issue ? `${formatIssuePath(issue.path)}: ${issueMessage(issue)}` : 'invalid response'}`,
    );
  }
  const { id, data } = parsed.data.jobDetails;
  if (id !== undefined && id !== jobId) {
    throw new JobDetailsError(`GetJobDetails(${jobId}) answered for another job (${id})`);
  }
  const context = data.pipelineContext;
  return {
    pipelineName: context.pipelineName,
    stage: context.stage.name,
    action: context.action.name,
    pipelineExecutionId: context.pipelineExecutionId,
  };
};

/** The fields of a job that are safe to log: never the artifact credentials. */
export const describeJobForLog = (job: PipelineJob) => ({
  jobId: job.jobId,
  functionName: job.functionName,
  inputArtifacts: job.inputArtifacts.map((artifact) => artifact.name),
  continuation: job.continuationToken !== undefined,
});

/** A valid, deterministic Step Functions execution name for a job: a duplicate invocation maps to the same one. */
export const executionNameForJob = (jobId: string): string =>
  `codepipeline-${jobId}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80);
