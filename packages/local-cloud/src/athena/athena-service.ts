import type { LocalServiceClient, ObjectStore, ServiceHandler } from '../contracts';
import type { GlueCatalog } from '../glue/catalog';
import { ALLOW_ALL, type AuthorizeAs } from '../iam/service-principals';
import { createJsonService } from '../json-protocol';
import { localServiceClient } from '../service-client';
import { QueryExecutions } from './query-executions';
import { WorkGroups } from './workgroups';

export interface LocalAthena {
  /** The `athena` front end (awsJson1_1, `X-Amz-Target: AmazonAthena.<Operation>`). */
  handle: ServiceHandler;
  /** The same operations in-process (CloudFormation's AWS::Athena::WorkGroup provider). */
  client: LocalServiceClient;
  workGroups: WorkGroups;
  queries: QueryExecutions;
  /** Cancels running queries and waits for them. */
  close(): Promise<void>;
}

/** The local Athena: workgroups and queries on DuckDB over the local Glue Data Catalog, results in the local S3. */
export const createAthenaService = (options: {
  stateDir: string;
  objects: ObjectStore;
  catalog: GlueCatalog;
  /** Judges what a query reads and writes as its caller (default: everything is allowed). */
  authorizeAs?: AuthorizeAs;
  log?: (line: string) => void;
}): LocalAthena => {
  const workGroups = new WorkGroups(options.stateDir);
  const queries = new QueryExecutions(options.stateDir, {
    workGroups,
    catalog: options.catalog,
    objects: options.objects,
    log: options.log ?? ((): void => undefined),
    authorizeAs: options.authorizeAs ?? ALLOW_ALL,
  });
  const operations = { ...workGroups.operations(), ...queries.operations() };
  return {
    handle: createJsonService({ serviceName: 'Athena', targetPrefix: 'AmazonAthena', jsonVersion: '1.1', operations }),
    client: localServiceClient('Athena', operations),
    workGroups,
    queries,
    close: () => queries.close(),
  };
};
