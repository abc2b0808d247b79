import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import {
  LocalCatalog,
  crawl,
  loadColumnMapping,
  queryCatalog,
  runMappingJob,
  type MappingJobResult,
} from '@glue-cd/data-lake';
import type { CrawlerRun, JobRun, LiveTestBackend, StoredObject } from './backend';
import { CrawlerRunError, JobRunError, LiveTestConfigurationError, QueryError } from './errors';
import type { LocalGlueDefinitions } from './glue-definitions';

export interface LocalBackendOptions {
  /** Folder of the local Glue catalog (catalog.json). */
  stateDir: string;
  /** Local folder or file for an s3:// URL (e.g. s3://bucket/key -> <root>/bucket/key). */
  resolveS3Url: (s3Url: string) => string;
  definitions: LocalGlueDefinitions;
  /** Called with the counts of every local job run (the Glue job logs them). */
  onJobRun?: (run: JobRun & { result: MappingJobResult }) => void;
}

/** The arguments a job run reads from DefaultArguments, as job.py's getResolvedOptions does. */
export const JOB_ARGUMENTS = ['--source_path', '--target_path', '--rejects_path', '--mapping_path'] as const;

const walkFiles = async (folder: string): Promise<string[]> => {
  const entries = await readdir(folder, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const nested = await Promise.all(
    entries.map(async (entry) =>
      entry.isDirectory() ? walkFiles(join(folder, entry.name)) : [join(folder, entry.name)],
    ),
  );
  return nested.flat();
};

/**
 * The live test's backend on the local data-lake engine: crawlers and the job come from the stack's definitions,
 * S3 is a folder per bucket, the job is data-lake runMappingJob with the job's own mapping.json, SQL runs on DuckDB.
 */
export const createLocalBackend = ({
  stateDir,
  resolveS3Url,
  definitions,
  onJobRun,
}: LocalBackendOptions): LiveTestBackend => {
  let runs = 0;
  const catalog = () => LocalCatalog.open(stateDir);

  return {
    kind: 'local',

    async seed(bucket, key, body) {
      const file = resolveS3Url(`s3://${bucket}/${key}`);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, body);
    },

    async readObjects(bucket, prefix): Promise<StoredObject[]> {
      const root = resolveS3Url(`s3://${bucket}/`);
      const files = await walkFiles(resolveS3Url(`s3://${bucket}/${prefix}`));
      return Promise.all(
        files.map(async (file) => ({
          key: relative(root, file).split('\\').join('/'),
          text: await readFile(file, 'utf8'),
        })),
      );
    },

    async runCrawler(name): Promise<CrawlerRun> {
      const crawler = definitions.crawlers[name];
      if (!crawler)
        throw new CrawlerRunError(
          `Crawler ${name} is not defined (known: ${Object.keys(definitions.crawlers).join(', ') || 'none'})`,
        );
      const tables: string[] = [];
      try {
        const opened = await catalog();
        for (const target of crawler.s3Targets) {
          const table = await crawl({
            catalog: opened,
            databaseName: crawler.databaseName,
            path: resolveS3Url(target),
            tablePrefix: crawler.tablePrefix,
          });
          tables.push(table.name);
        }
      } catch (error) {
        throw new CrawlerRunError(`Crawler ${name} failed: ${(error as Error).message}`);
      }
      return { crawlerName: name, status: 'SUCCEEDED', tables };
    },

    async runJob(name): Promise<JobRun> {
      const job = definitions.jobs[name];
      if (!job)
        throw new JobRunError(
          `Job ${name} is not defined (known: ${Object.keys(definitions.jobs).join(', ') || 'none'})`,
        );
      const missing = JOB_ARGUMENTS.filter((argument) => !job.defaultArguments[argument]);
      if (missing.length > 0)
        throw new LiveTestConfigurationError(`Job ${name} lacks DefaultArguments ${missing.join(', ')}`);
      const argument = (key: (typeof JOB_ARGUMENTS)[number]): string => resolveS3Url(job.defaultArguments[key] ?? '');
      runs += 1;
      const runId = `jr_local_${Date.now()}_${runs}`;
      let result: MappingJobResult;
      try {
        result = await runMappingJob({
          sourcePath: argument('--source_path'),
          targetPath: argument('--target_path'),
          rejectsPath: argument('--rejects_path'),
          mapping: await loadColumnMapping(argument('--mapping_path')),
        });
      } catch (error) {
        throw new JobRunError(
          `Job ${name} run ${runId} ended FAILED: ${(error as Error).name}: ${(error as Error).message}`,
        );
      }
      const run = { jobName: name, runId, state: 'SUCCEEDED' as const };
      onJobRun?.({ ...run, result });
      return run;
    },

    async query(databaseName, sql) {
      try {
        return await queryCatalog(await catalog(), sql, { defaultDatabase: databaseName });
      } catch (error) {
        throw new QueryError(`Local query in ${databaseName} failed: ${(error as Error).message} (SQL: ${sql})`);
      }
    },
  };
};
