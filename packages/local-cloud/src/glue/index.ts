export { createGlueService, type LocalGlue } from './glue-service';
export {
  GlueCatalog,
  type GlueTable,
  type GlueDatabase,
  type GluePartition,
  type GlueStorageDescriptor,
} from './catalog';
export { GlueCrawlers, type GlueCrawler } from './crawlers';
export { crawledTableInput } from './crawled-table';
export { GlueJobs, type GlueJob, type GlueJobRun } from './jobs';
export { type GlueJobEngine, type GlueJobEngineContext, engineForScript, runArguments } from './job-engines';
export { type JobPathAccess } from './job-storage';
