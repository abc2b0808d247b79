import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { parseS3Url } from '@glue-cd/core';
import type { ObjectStore } from '../contracts';
import { epochSeconds, jsonCopy } from '../json-input';
import type { JsonOperation } from '../json-protocol';
import { readJsonState, stateFile, writeJsonState } from '../persistence';
import { type AuthorizeAs, roleSession, SERVICE_SESSIONS, servicePrincipal } from '../iam/service-principals';
import { alreadyExists, concurrentRunsExceeded, entityNotFound, invalidInput } from './errors';
import {
  DEFAULT_TIMEOUT_MINUTES,
  type GlueJob,
  type JobDefinition,
  jobFrom,
  maxCapacityOf,
  type StartJobRunInput,
} from './job-definitions';
import { engineForScript, type GlueJobEngine, runArguments } from './job-engines';
import { jobOperations } from './job-operations';
import { JobStorage } from './job-storage';

export type { GlueJob } from './job-definitions';

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
const LOG_GROUP = '/aws-glue/jobs';
// setTimeout fires at once beyond this (about 24.8 days).
const MAX_TIMER_MS = 2 ** 31 - 1;
const INTERRUPTED = 'The local cloud stopped while this job run was active';

const newRunId = (): string => `jr_${randomBytes(32).toString('hex')}`;

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

  getJob(name: string): GlueJob {
    return jsonCopy(this.job(name));
  }

  jobNames(): string[] {
    return Object.keys(this.state.jobs);
  }

  createJob(name: string, definition: JobDefinition): void {
    if (this.state.jobs[name]) throw alreadyExists(`${name} already exists.`);
    this.state.jobs[name] = jobFrom(name, definition, epochSeconds());
    this.save();
  }

  /** UpdateJob replaces the whole definition, as Glue does (members left out return to their defaults). */
  updateJob(name: string, definition: JobDefinition): void {
    const previous = this.job(name);
    this.state.jobs[name] = jobFrom(name, definition, previous.CreatedOn);
    this.save();
  }

  /** Stops the job's active runs and forgets the job and its runs; an unknown job is no error, as on AWS. */
  deleteJob(name: string): void {
    for (const run of this.state.runs[name] ?? []) {
      const active = this.active.get(run.Id);
      if (active) {
        active.reason ??= 'STOPPED';
        active.controller.abort();
      }
    }
    delete this.state.jobs[name];
    delete this.state.runs[name];
    this.save();
  }

  /** A run of a job (both must exist), engine output included. */
  describeRun(jobName: string, runId: string): GlueJobRun {
    return jsonCopy(this.run(jobName, runId));
  }

  /** A job's runs, newest first (the job must exist). */
  runsOf(jobName: string): GlueJobRun[] {
    this.job(jobName);
    return jsonCopy(this.state.runs[jobName] ?? []);
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

  startRun(input: StartJobRunInput): string {
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

  stopRun(jobName: string, runId: string): void {
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
    return jobOperations(this);
  }
}
