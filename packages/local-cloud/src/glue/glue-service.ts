import type { LocalServiceClient, ObjectStore, ServiceHandler } from '../contracts';
import { ALLOW_ALL, type AuthorizeAs } from '../iam/service-principals';
import { createJsonService } from '../json-protocol';
import { localServiceClient } from '../service-client';
import { GlueCatalog } from './catalog';
import { GlueCrawlers } from './crawlers';
import type { GlueJobEngine } from './job-engines';
import { GlueJobs } from './jobs';

export interface LocalGlue {
  /** The `glue` front end (awsJson1_1, `X-Amz-Target: AWSGlue.<Operation>`). */
  handle: ServiceHandler;
  /** The same operations in-process (CloudFormation's Glue providers). */
  client: LocalServiceClient;
  catalog: GlueCatalog;
  crawlers: GlueCrawlers;
  jobs: GlueJobs;
  /** Ends running crawls and job runs (CANCELLED / STOPPED) and waits for them. */
  close(): Promise<void>;
}

/** The local Glue: Data Catalog, crawlers and jobs, persisted under `<stateDir>/state/glue-*.json`. */
export const createGlueService = (options: {
  stateDir: string;
  objects: ObjectStore;
  /** Local engines for job scripts; a job whose script has none fails its runs, naming the script. */
  jobEngines?: readonly GlueJobEngine[];
  /** Judges what crawls and job runs do as their roles (default: everything is allowed). */
  authorizeAs?: AuthorizeAs;
  log?: (line: string) => void;
}): LocalGlue => {
  const log = options.log ?? ((): void => undefined);
  const catalog = new GlueCatalog(options.stateDir);
  const authorizeAs = options.authorizeAs ?? ALLOW_ALL;
  const crawlers = new GlueCrawlers(options.stateDir, { catalog, objects: options.objects, log, authorizeAs });
  const jobs = new GlueJobs(options.stateDir, {
    objects: options.objects,
    engines: options.jobEngines ?? [],
    log,
    authorizeAs,
  });
  const operations = { ...catalog.operations(), ...crawlers.operations(), ...jobs.operations() };
  return {
    handle: createJsonService({ serviceName: 'Glue', targetPrefix: 'AWSGlue', jsonVersion: '1.1', operations }),
    client: localServiceClient('Glue', operations),
    catalog,
    crawlers,
    jobs,
    async close() {
      await Promise.all([crawlers.close(), jobs.close()]);
    },
  };
};
