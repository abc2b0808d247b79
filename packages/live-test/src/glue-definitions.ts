import { z } from 'zod';
import { LiveTestConfigurationError, formatIssuePath } from './errors';

export interface LocalCrawlerDefinition {
  databaseName: string;
  s3Targets: string[];
  tablePrefix?: string;
}

export interface LocalJobDefinition {
  scriptLocation: string;
  defaultArguments: Record<string, string>;
}

/** Crawlers and jobs by name, as the deployed stack defines them. */
export interface LocalGlueDefinitions {
  crawlers: Record<string, LocalCrawlerDefinition>;
  jobs: Record<string, LocalJobDefinition>;
}

/** A deployed resource with its resolved properties (intrinsics already evaluated). */
export interface DeployedResource {
  type: string;
  physicalId: string;
  properties: Record<string, unknown>;
}

const CrawlerPropertiesSchema = z.object({
  Name: z.string().min(1).optional(),
  DatabaseName: z.string().min(1),
  TablePrefix: z.string().optional(),
  Targets: z.object({
    S3Targets: z
      .array(z.object({ Path: z.string().startsWith('s3://', 'must be an s3:// URL') }))
      .min(1, 'needs at least one S3 target'),
  }),
});

const JobPropertiesSchema = z.object({
  Name: z.string().min(1).optional(),
  Command: z.object({ ScriptLocation: z.string().min(1) }),
  DefaultArguments: z.record(z.string(), z.string()).default({}),
});

const parseProperties = <T>(schema: z.ZodType<T>, resource: DeployedResource): T => {
  const parsed = schema.safeParse(resource.properties);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${formatIssuePath(issue.path) || '(root)'}: ${issue.message}`);
  throw new LiveTestConfigurationError(
    `${resource.type} ${resource.physicalId} has unusable properties: ${problems.join('; ')}`,
  );
};

/**
 * Builds the local runtime's crawler and job definitions from the deployed stack's AWS::Glue::Crawler and
 * AWS::Glue::Job resources (the physical id is the name when Name is absent). Other resources are ignored.
 */
export const glueDefinitionsFromResources = (resources: readonly DeployedResource[]): LocalGlueDefinitions => {
  const definitions: LocalGlueDefinitions = { crawlers: {}, jobs: {} };
  for (const resource of resources) {
    if (resource.type === 'AWS::Glue::Crawler') {
      const properties = parseProperties(CrawlerPropertiesSchema, resource);
      definitions.crawlers[properties.Name ?? resource.physicalId] = {
        databaseName: properties.DatabaseName,
        s3Targets: properties.Targets.S3Targets.map((target) => target.Path),
        ...(properties.TablePrefix !== undefined && { tablePrefix: properties.TablePrefix }),
      };
    } else if (resource.type === 'AWS::Glue::Job') {
      const properties = parseProperties(JobPropertiesSchema, resource);
      definitions.jobs[properties.Name ?? resource.physicalId] = {
        scriptLocation: properties.Command.ScriptLocation,
        defaultArguments: properties.DefaultArguments,
      };
    }
  }
  return definitions;
};
