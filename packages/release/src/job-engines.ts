import { loadColumnMapping, runMappingJob } from '@glue-cd/data-lake';
import type { GlueJobEngine } from '@glue-cd/local-cloud';

/** What glue-jobs/nyc-taxi/job.py reads with getResolvedOptions (besides JOB_NAME, which Glue passes). */
export const NYC_TAXI_JOB_ARGUMENTS = ['--source_path', '--target_path', '--rejects_path', '--mapping_path'] as const;

/**
 * glue-jobs/nyc-taxi/job.py on the local Glue: data-lake's runMappingJob, its DuckDB twin, with the run's arguments
 * (S3 URLs resolved to the local S3). It logs and returns the same counts event job.py prints.
 */
export const nycTaxiJobEngine: GlueJobEngine = {
  name: 'nyc-taxi (data-lake runMappingJob)',
  // s3://<deployment bucket>/glue-jobs/<version>/nyc-taxi/job.py, as the Glue ETL template points at it.
  script: /^s3:\/\/[^/]+\/(?:.+\/)?glue-jobs\/[^/]+\/nyc-taxi\/job\.py$/,
  async run({ arguments: args, jobName, localPath, log }) {
    const missing = NYC_TAXI_JOB_ARGUMENTS.filter((name) => !args[name]);
    if (missing.length > 0) {
      // getResolvedOptions' wording: the job fails before it reads anything.
      throw new Error(`job.py: error: the following arguments are required: ${missing.join(', ')}`);
    }
    const argument = (name: (typeof NYC_TAXI_JOB_ARGUMENTS)[number]): string => args[name]!;
    const result = await runMappingJob({
      sourcePath: await localPath(argument('--source_path'), 'read'),
      targetPath: await localPath(argument('--target_path'), 'write'),
      rejectsPath: await localPath(argument('--rejects_path'), 'write'),
      mapping: await loadColumnMapping(await localPath(argument('--mapping_path'), 'read')),
    });
    const counts = {
      event: 'nyc-taxi-counts',
      jobName,
      sourcePath: argument('--source_path'),
      rawRecords: result.rawRecords,
      transformedRecords: result.transformedRecords,
      rejectedRecords: result.rejectedRecords,
      rejectsByReason: result.rejectsByReason,
    };
    log(JSON.stringify(counts));
    return counts;
  },
};

/** The project's local job engines: what `pnpm start` and `pnpm cloud` register with the local Glue. */
export const PROJECT_JOB_ENGINES: readonly GlueJobEngine[] = [nycTaxiJobEngine];
