import { z } from 'zod';
import { parseInput } from '../json-input';
import type { JsonOperation } from '../json-protocol';
import { pageByKey } from '../paging';
import { INVALID_INPUT } from './errors';
import { JobDefinitionSchema, Name, StartJobRunSchema } from './job-definitions';
import { namePage, NamePageInput } from './name-page';
import type { GlueJobRun, GlueJobs } from './jobs';

/** A run as the API shows it: without what the local engine reported. */
const publicRun = (run: GlueJobRun): Omit<GlueJobRun, 'localOutput'> => {
  const { localOutput: _output, ...visible } = run;
  return visible;
};

/** The job operations of the Glue JSON API: validate the input, call the jobs, shape the answer. */
export const jobOperations = (jobs: GlueJobs): Record<string, JsonOperation> => {
  const parse = <T extends z.ZodType>(schema: T, input: unknown): z.infer<T> =>
    parseInput(schema, input, INVALID_INPUT);
  // Get*/List* page through the names in order, up to 1000 at a time.
  const namesPage = (raw: unknown) => namePage(jobs.jobNames(), parse(NamePageInput, raw));
  return {
    CreateJob: async (raw) => {
      const input = parse(JobDefinitionSchema.extend({ Name, Tags: z.record(z.string(), z.string()).optional() }), raw);
      const { Name: name, Tags: _tags, ...definition } = input;
      jobs.createJob(name, definition);
      return { Name: name };
    },
    GetJob: async (raw) => ({ Job: jobs.getJob(parse(z.object({ JobName: Name }), raw).JobName) }),
    GetJobs: async (raw) => {
      const page = namesPage(raw);
      return {
        Jobs: page.items.map((name) => jobs.getJob(name)),
        ...(page.nextToken ? { NextToken: page.nextToken } : {}),
      };
    },
    ListJobs: async (raw) => {
      const page = namesPage(raw);
      return { JobNames: page.items, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
    },
    UpdateJob: async (raw) => {
      const input = parse(z.object({ JobName: Name, JobUpdate: JobDefinitionSchema }), raw);
      jobs.updateJob(input.JobName, input.JobUpdate);
      return { JobName: input.JobName };
    },
    DeleteJob: async (raw) => {
      const { JobName } = parse(z.object({ JobName: Name }), raw);
      jobs.deleteJob(JobName);
      return { JobName };
    },
    StartJobRun: async (raw) => ({ JobRunId: jobs.startRun(parse(StartJobRunSchema, raw)) }),
    GetJobRun: async (raw) => {
      const input = parse(
        z.object({ JobName: Name, RunId: z.string().min(1), PredecessorsIncluded: z.boolean().optional() }),
        raw,
      );
      return { JobRun: publicRun(jobs.describeRun(input.JobName, input.RunId)) };
    },
    GetJobRuns: async (raw) => {
      const input = parse(
        z.object({
          JobName: Name,
          NextToken: z.string().optional(),
          MaxResults: z.number().int().min(1).max(200).optional(),
        }),
        raw,
      );
      const runs = jobs.runsOf(input.JobName);
      // Newest first: the sort key runs backwards through the list.
      const keyed = runs.map((run, index) => ({ run, key: String(index).padStart(10, '0') }));
      const page = pageByKey(keyed, (entry) => entry.key, {
        nextToken: input.NextToken,
        maxResults: input.MaxResults,
        defaultMax: 200,
        errorCode: INVALID_INPUT,
      });
      return {
        JobRuns: page.items.map((entry) => publicRun(entry.run)),
        ...(page.nextToken ? { NextToken: page.nextToken } : {}),
      };
    },
    BatchStopJobRun: async (raw) => {
      const input = parse(z.object({ JobName: Name, JobRunIds: z.array(z.string().min(1)).min(1).max(25) }), raw);
      const successful: unknown[] = [];
      const errors: unknown[] = [];
      for (const runId of input.JobRunIds) {
        try {
          jobs.stopRun(input.JobName, runId);
          successful.push({ JobName: input.JobName, JobRunId: runId });
        } catch (error) {
          const { code, message } = error as { code?: string; message: string };
          errors.push({
            JobName: input.JobName,
            JobRunId: runId,
            ErrorDetail: { ErrorCode: code ?? 'InternalServiceException', ErrorMessage: message },
          });
        }
      }
      return { SuccessfulSubmissions: successful, Errors: errors };
    },
  };
};
