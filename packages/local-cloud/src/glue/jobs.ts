import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { parseS3Url } from '@glue-cd/core';
import { z } from 'zod';
import type { ObjectStore } from '../contracts';
import { epochSeconds, jsonCopy, parseInput } from '../json-input';
import type { JsonOperation } from '../json-protocol';
import { pageByKey } from '../paging';
import { readJsonState, stateFile, writeJsonState } from '../persistence';
import { type AuthorizeAs, roleSession, SERVICE_SESSIONS, servicePrincipal } from '../iam/service-principals';
import { alreadyExists, concurrentRunsExceeded, entityNotFound, INVALID_INPUT, invalidInput } from './errors';
import { engineForScript, type GlueJobEngine, runArguments } from './job-engines';
import { JobStorage } from './job-storage';

const Name = z.string().min(1).max(255);
const Arguments = z.record(z.string(), z.string());

const JobDefinitionSchema = z.looseObject({
  JobMode: z.enum(['SCRIPT', 'VISUAL', 'NOTEBOOK']).optional(),
  Description: z.string().max(2048).optional(),
  LogUri: z.string().optional(),
  Role: z.string().min(1),
  ExecutionProperty: z.looseObject({ MaxConcurrentRuns: z.number().int().min(1).optional() }).optional(),
  Command: z.looseObject({
    Name: z.string().optional(),
    ScriptLocation: z.string().optional(),
    PythonVersion: z.string().optional(),
    Runtime: z.string().optional(),
  }),
  DefaultArguments: Arguments.optional(),
  NonOverridableArguments: Arguments.optional(),
  Connections: z.looseObject({ Connections: z.array(z.string()).optional() }).optional(),
  MaxRetries: z.number().int().min(0).max(10).optional(),
  AllocatedCapacity: z.number().int().optional(),
  Timeout: z.number().int().min(1).optional(),
  MaxCapacity: z.number().optional(),
  SecurityConfiguration: z.string().optional(),
  NotificationProperty: z.looseObject({}).optional(),
  GlueVersion: z.string().optional(),
  NumberOfWorkers: z.number().int().min(1).optional(),
  WorkerType: z.string().optional(),
  ExecutionClass: z.enum(['FLEX', 'STANDARD']).optional(),
});

const StartJobRunSchema = z.object({
  JobName: Name,
  JobRunId: z.string().optional(),
  Arguments: Arguments.optional(),
  Timeout: z.number().int().min(1).optional(),
  MaxCapacity: z.number().optional(),
  WorkerType: z.string().optional(),
  NumberOfWorkers: z.number().int().min(1).optional(),
  ExecutionClass: z.string().optional(),
  SecurityConfiguration: z.string().optional(),
  NotificationProperty: z.looseObject({}).optional(),
});

type JobDefinition = z.infer<typeof JobDefinitionSchema>;

/** A job as GetJob returns it. */
export type GlueJob = JobDefinition & { Name: string; CreatedOn: number; LastModifiedOn: number };

type JobRunState = 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED' | 'SUCCEEDED' | 'FAILED' | 'TIMEOUT';

/** A job run as GetJobRun returns it (plus what the local engine reported, kept out of the API). */
export interface GlueJobRun {
  Id: string;
  Attempt: number;
  JobName: string;
  JobMode: string;
  StartedOn: number;
  LastModifiedOn: number;
  CompletedOn?: number;
  JobRunState: JobRunState;
  Arguments: Record<string, string>;
  ErrorMessage?: string;
  PredecessorRuns: [];
  ExecutionTime: number;
  Timeout: number;
  MaxCapacity?: number;
  WorkerType?: string;
  NumberOfWorkers?: number;
  LogGroupName: string;
  GlueVersion?: string;
  ExecutionClass: string;
  /** Local only: what the engine resolved with (e.g. the nyc-taxi record counts). */
  localOutput?: unknown;
}

interface JobState {
  jobs: Record<string, GlueJob>;
  /** Runs per job, newest first. */
  runs: Record<string, GlueJobRun[]>;
}

const ACTIVE_STATES = new Set<JobRunState>(['STARTING', 'RUNNING', 'STOPPING']);
// Glue's defaults: 2880 minutes (48 hours) for Glue ETL jobs, one concurrent run.
const DEFAULT_TIMEOUT_MINUTES = 2880;
const DPU_PER_WORKER: Record<string, number> = {
  'G.025X': 0.25,
  'G.1X': 1,
  'G.2X': 2,
  'G.4X': 4,
  'G.8X': 8,
  'Z.2X': 2,
};
const LOG_GROUP = '/aws-glue/jobs';
// setTimeout fires at once beyond this (about 24.8 days).
const MAX_TIMER_MS = 2 ** 31 - 1;
const INTERRUPTED = 'The local cloud stopped while this job run was active';

const newRunId = (): string => `jr_${randomBytes(32).toString('hex')}`;

const maxCapacityOf = (definition: { WorkerType?: string; NumberOfWorkers?: number; MaxCapacity?: number }) =>
  definition.WorkerType && definition.NumberOfWorkers
    ? (DPU_PER_WORKER[definition.WorkerType] ?? 1) * definition.NumberOfWorkers
    : definition.MaxCapacity;

/** A job's stored form from its definition, with Glue's defaults filled in. */
const jobFrom = (name: string, definition: JobDefinition, createdOn: number): GlueJob => {
  const maxCapacity = maxCapacityOf(definition);
  return {
    ...definition,
    Name: name,
    JobMode: definition.JobMode ?? 'SCRIPT',
    ExecutionProperty: { MaxConcurrentRuns: 1, ...definition.ExecutionProperty },
    DefaultArguments: definition.DefaultArguments ?? {},
    MaxRetries: definition.MaxRetries ?? 0,
    Timeout: definition.Timeout ?? DEFAULT_TIMEOUT_MINUTES,
    ExecutionClass: definition.ExecutionClass ?? 'STANDARD',
    ...(maxCapacity === undefined ? {} : { MaxCapacity: maxCapacity }),
    CreatedOn: createdOn,
    LastModifiedOn: epochSeconds(),
  };
};

const publicRun = (run: GlueJobRun): Omit<GlueJobRun, 'localOutput'> => {
  const { localOutput: _output, ...visible } = jsonCopy(run);
  return visible;
};

interface ActiveRun {
  controller: AbortController;
  reason?: 'STOPPED' | 'TIMEOUT';
  done: Promise<void>;
}

/**
 * Glue jobs: definitions and runs, persisted in `state/glue-jobs.json`. A run executes the local engine registered
 * for the job's script (`jobEngines` of the cloud) in the background: STARTING → RUNNING → SUCCEEDED / FAILED /
 * TIMEOUT, or STOPPING → STOPPED; callers poll GetJobRun, as on AWS.
 */
export class GlueJobs {
  private readonly file: string;
  private readonly state: JobState;
  private readonly active = new Map<string, ActiveRun>();
  private readonly stagingRoot: string;

  constructor(
    stateDir: string,
    private readonly deps: {
      objects: ObjectStore;
      engines: readonly GlueJobEngine[];
      log: (line: string) => void;
      /** Judges what a run does as the job's role (IAM off: allows everything). */
      authorizeAs: AuthorizeAs;
    },
  ) {
    this.file = stateFile(stateDir, 'glue-jobs');
    this.stagingRoot = path.join(stateDir, 'glue-job-staging');
    // No run is active at start: what staging a previous process left is of runs it ended as failed.
    rmSync(this.stagingRoot, { recursive: true, force: true });
    this.state = readJsonState<JobState>(this.file, { jobs: {}, runs: {} });
    let interrupted = false;
    for (const run of Object.values(this.state.runs).flat()) {
      if (!ACTIVE_STATES.has(run.JobRunState)) continue;
      this.complete(run, run.JobRunState === 'STOPPING' ? 'STOPPED' : 'FAILED', INTERRUPTED);
      interrupted = true;
    }
    if (interrupted) this.save();
  }

  private save(): void {
    writeJsonState(this.file, this.state);
  }

  private job(name: string): GlueJob {
    const job = this.state.jobs[name];
    if (!job) throw entityNotFound(`Job with name: ${name} not found`);
    return job;
  }

  private run(jobName: string, runId: string): GlueJobRun {
    this.job(jobName);
    const run = this.state.runs[jobName]?.find((candidate) => candidate.Id === runId);
    if (!run) throw entityNotFound(`Job Run Id ${runId} not found for job ${jobName}`);
    return run;
  }

  /** A run as the API shows it, or undefined; with the engine's output (local only). */
  getRun(jobName: string, runId: string): GlueJobRun | undefined {
    const run = this.state.runs[jobName]?.find((candidate) => candidate.Id === runId);
    return run ? jsonCopy(run) : undefined;
  }

  private complete(run: GlueJobRun, state: JobRunState, errorMessage?: string): void {
    const now = epochSeconds();
    run.JobRunState = state;
    run.LastModifiedOn = now;
    run.CompletedOn = now;
    run.ExecutionTime = Math.round(now - run.StartedOn);
    if (errorMessage !== undefined) run.ErrorMessage = errorMessage;
  }

  private setState(run: GlueJobRun, state: JobRunState): void {
    run.JobRunState = state;
    run.LastModifiedOn = epochSeconds();
    this.save();
  }

  startRun(input: z.infer<typeof StartJobRunSchema>): string {
    const job = this.job(input.JobName);
    const runs = (this.state.runs[job.Name] ??= []);
    if (input.JobRunId !== undefined) {
      // Retrying a run: Glue starts a new attempt of a failed run.
      const previous = this.run(job.Name, input.JobRunId);
      if (ACTIVE_STATES.has(previous.JobRunState)) throw invalidInput(`Job run ${input.JobRunId} is still active`);
    }
    const activeRuns = runs.filter((run) => ACTIVE_STATES.has(run.JobRunState)).length;
    if (activeRuns >= (job.ExecutionProperty?.MaxConcurrentRuns ?? 1)) throw concurrentRunsExceeded(job.Name);
    const now = epochSeconds();
    const workerType = input.WorkerType ?? job.WorkerType;
    const workers = input.NumberOfWorkers ?? job.NumberOfWorkers;
    const maxCapacity = maxCapacityOf({
      ...(workerType ? { WorkerType: workerType } : {}),
      ...(workers ? { NumberOfWorkers: workers } : {}),
      ...(job.MaxCapacity !== undefined ? { MaxCapacity: input.MaxCapacity ?? job.MaxCapacity } : {}),
    });
    const run: GlueJobRun = {
      Id: newRunId(),
      Attempt: 0,
      JobName: job.Name,
      JobMode: job.JobMode ?? 'SCRIPT',
      StartedOn: now,
      LastModifiedOn: now,
      JobRunState: 'STARTING',
      Arguments: input.Arguments ?? {},
      PredecessorRuns: [],
      ExecutionTime: 0,
      Timeout: input.Timeout ?? job.Timeout ?? DEFAULT_TIMEOUT_MINUTES,
      ...(maxCapacity === undefined ? {} : { MaxCapacity: maxCapacity }),
      ...(workerType ? { WorkerType: workerType } : {}),
      ...(workers ? { NumberOfWorkers: workers } : {}),
      LogGroupName: LOG_GROUP,
      ...(job.GlueVersion ? { GlueVersion: job.GlueVersion } : {}),
      ExecutionClass: job.ExecutionClass ?? 'STANDARD',
    };
    runs.unshift(run);
    this.save();
    const controller = new AbortController();
    const activeRun: ActiveRun = { controller, done: Promise.resolve() };
    activeRun.done = this.execute(job, run, activeRun).finally(() => this.active.delete(run.Id));
    this.active.set(run.Id, activeRun);
    return run.Id;
  }

  private async execute(job: GlueJob, run: GlueJobRun, activeRun: ActiveRun): Promise<void> {
    const { signal } = activeRun.controller;
    const log = (line: string): void => this.deps.log(`[glue job ${job.Name} ${run.Id}] ${line}`);
    const timer = setTimeout(
      () => {
        activeRun.reason = 'TIMEOUT';
        activeRun.controller.abort();
      },
      Math.min(run.Timeout * 60_000, MAX_TIMER_MS),
    );
    timer.unref();
    const storage = new JobStorage(
      this.deps.objects,
      servicePrincipal(this.deps.authorizeAs, roleSession(job.Role, SERVICE_SESSIONS.job)),
      this.stagingRoot,
    );
    try {
      await new Promise((resolve) => setImmediate(resolve)); // StartJobRun answers before the run begins
      const scriptLocation = job.Command.ScriptLocation ?? '';
      await this.checkScript(scriptLocation, storage);
      const engine = engineForScript(this.deps.engines, scriptLocation);
      if (!engine) {
        const known = this.deps.engines.map((candidate) => `${candidate.name} (${String(candidate.script)})`);
        throw new Error(
          `No local engine runs the script ${scriptLocation || '(none)'}: the local Glue runs registered engines only, not PySpark (registered: ${known.join(', ') || 'none'})`,
        );
      }
      if (signal.aborted) return;
      this.setState(run, 'RUNNING');
      log(`RUNNING ${engine.name}`);
      const output = await engine.run({
        jobName: job.Name,
        runId: run.Id,
        scriptLocation,
        arguments: runArguments(job, run.Arguments, { jobName: job.Name, runId: run.Id }),
        localPath: (url, access) => storage.localPath(url, access),
        signal,
        log,
      });
      if (output !== undefined) {
        run.localOutput = output;
        log(JSON.stringify(output));
      }
      if (!signal.aborted) await storage.commit();
      if (!signal.aborted) this.complete(run, 'SUCCEEDED');
    } catch (error) {
      if (!signal.aborted) this.complete(run, 'FAILED', `${(error as Error).name}: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
      await storage.dispose();
      if (signal.aborted) {
        this.complete(
          run,
          activeRun.reason ?? 'STOPPED',
          activeRun.reason === 'TIMEOUT' ? 'Job run timed out' : undefined,
        );
      }
      this.save();
      log(`${run.JobRunState}${run.ErrorMessage ? ` (${run.ErrorMessage})` : ''}`);
    }
  }

  /** Glue downloads the script (as the job's role) before it runs anything. */
  private async checkScript(scriptLocation: string, storage: JobStorage): Promise<void> {
    const location = parseS3Url(scriptLocation);
    if (!location || location.key === '')
      throw new Error(`ScriptLocation ${scriptLocation || '(none)'} is not an s3:// object URL`);
    await storage.requireScript(scriptLocation);
  }

  private stopRun(jobName: string, runId: string): void {
    const run = this.run(jobName, runId);
    const active = this.active.get(runId);
    if (!active || !ACTIVE_STATES.has(run.JobRunState)) {
      throw invalidInput(`Job Run ${runId} cannot be stopped as it is already in a terminal state ${run.JobRunState}`);
    }
    if (run.JobRunState !== 'STOPPING') this.setState(run, 'STOPPING');
    active.reason ??= 'STOPPED';
    active.controller.abort();
  }

  /** Stops every active run and waits until each has ended. */
  async close(): Promise<void> {
    const runs = [...this.active.values()];
    for (const run of runs) {
      run.reason ??= 'STOPPED';
      run.controller.abort();
    }
    await Promise.all(runs.map((run) => run.done));
  }

  operations(): Record<string, JsonOperation> {
    const parse = <T extends z.ZodType>(schema: T, input: unknown): z.infer<T> =>
      parseInput(schema, input, INVALID_INPUT);
    const jobNames = (): string[] => Object.keys(this.state.jobs);
    return {
      CreateJob: async (raw) => {
        const input = parse(
          JobDefinitionSchema.extend({ Name, Tags: z.record(z.string(), z.string()).optional() }),
          raw,
        );
        if (this.state.jobs[input.Name]) throw alreadyExists(`${input.Name} already exists.`);
        const { Name: name, Tags: _tags, ...definition } = input;
        this.state.jobs[name] = jobFrom(name, definition, epochSeconds());
        this.save();
        return { Name: name };
      },
      GetJob: async (raw) => ({ Job: jsonCopy(this.job(parse(z.object({ JobName: Name }), raw).JobName)) }),
      GetJobs: async (raw) => {
        const input = parse(
          z.object({ NextToken: z.string().optional(), MaxResults: z.number().int().min(1).max(1000).optional() }),
          raw,
        );
        const page = pageByKey(jobNames(), (name) => name, {
          nextToken: input.NextToken,
          maxResults: input.MaxResults,
          defaultMax: 1000,
          errorCode: INVALID_INPUT,
        });
        return {
          Jobs: page.items.map((name) => jsonCopy(this.job(name))),
          ...(page.nextToken ? { NextToken: page.nextToken } : {}),
        };
      },
      ListJobs: async (raw) => {
        const input = parse(
          z.object({ NextToken: z.string().optional(), MaxResults: z.number().int().min(1).max(1000).optional() }),
          raw,
        );
        const page = pageByKey(jobNames(), (name) => name, {
          nextToken: input.NextToken,
          maxResults: input.MaxResults,
          defaultMax: 1000,
          errorCode: INVALID_INPUT,
        });
        return { JobNames: page.items, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
      },
      // UpdateJob replaces the whole definition, as Glue does (members left out return to their defaults).
      UpdateJob: async (raw) => {
        const input = parse(z.object({ JobName: Name, JobUpdate: JobDefinitionSchema }), raw);
        const previous = this.job(input.JobName);
        this.state.jobs[input.JobName] = jobFrom(input.JobName, input.JobUpdate, previous.CreatedOn);
        this.save();
        return { JobName: input.JobName };
      },
      // DeleteJob of an unknown job succeeds, as on AWS.
      DeleteJob: async (raw) => {
        const { JobName } = parse(z.object({ JobName: Name }), raw);
        for (const run of this.state.runs[JobName] ?? []) {
          const active = this.active.get(run.Id);
          if (active) {
            active.reason ??= 'STOPPED';
            active.controller.abort();
          }
        }
        delete this.state.jobs[JobName];
        delete this.state.runs[JobName];
        this.save();
        return { JobName };
      },
      StartJobRun: async (raw) => ({ JobRunId: this.startRun(parse(StartJobRunSchema, raw)) }),
      GetJobRun: async (raw) => {
        const input = parse(
          z.object({ JobName: Name, RunId: z.string().min(1), PredecessorsIncluded: z.boolean().optional() }),
          raw,
        );
        return { JobRun: publicRun(this.run(input.JobName, input.RunId)) };
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
        this.job(input.JobName);
        const runs = this.state.runs[input.JobName] ?? [];
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
            this.stopRun(input.JobName, runId);
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
  }
}
