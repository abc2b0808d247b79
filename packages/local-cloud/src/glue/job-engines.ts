import type { JobPathAccess } from './job-storage';

/** What a local job engine gets for one Glue job run. */
export interface GlueJobEngineContext {
  jobName: string;
  runId: string;
  /** The job's Command.ScriptLocation. */
  scriptLocation: string;
  /**
   * The arguments the script sees, keys as Glue passes them (`--source_path`): the job's DefaultArguments, overlaid
   * with the run's Arguments, then NonOverridableArguments, plus `--JOB_NAME`, `--JOB_ID` and `--JOB_RUN_ID`.
   */
  arguments: Record<string, string>;
  /**
   * The local folder or file of an `s3://` URL (the bucket must exist; the key cannot leave it), used as `access`
   * says, as the job's role: a read is judged at once (ListBucket, GetObject); a write gets a staged copy whose
   * changes are judged (PutObject, DeleteObject) and applied to S3 when `run` resolves, not before.
   */
  localPath(s3Url: string, access: JobPathAccess): Promise<string>;
  /** Aborted when the run is stopped (BatchStopJobRun, its Timeout, or the cloud closing). */
  signal: AbortSignal;
  /** A line of the run's log (on AWS: the job's CloudWatch output). */
  log(line: string): void;
}

/**
 * A local stand-in for one Glue script: runs whose job's ScriptLocation matches `script` execute `run`. A run
 * succeeds when `run` resolves and fails with the error's message otherwise, as a script's exception fails a job.
 */
export interface GlueJobEngine {
  /** Named in logs and error messages. */
  name: string;
  script: RegExp;
  /** What it resolves with is logged as the run's output (e.g. record counts). */
  run(context: GlueJobEngineContext): Promise<unknown>;
}

export const engineForScript = (engines: readonly GlueJobEngine[], scriptLocation: string): GlueJobEngine | undefined =>
  engines.find((engine) => engine.script.test(scriptLocation));

/** Glue's argument precedence: defaults < run arguments < non-overridable ones. */
export const runArguments = (
  job: { DefaultArguments?: Record<string, string>; NonOverridableArguments?: Record<string, string> },
  runArgs: Record<string, string> | undefined,
  ids: { jobName: string; runId: string },
): Record<string, string> => ({
  ...job.DefaultArguments,
  ...runArgs,
  ...job.NonOverridableArguments,
  '--JOB_NAME': ids.jobName,
  '--JOB_ID': ids.runId,
  '--JOB_RUN_ID': ids.runId,
});
