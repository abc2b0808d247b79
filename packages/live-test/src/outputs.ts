import { z } from 'zod';
import { LiveTestConfigurationError, formatIssuePath } from './errors';

/** The Glue ETL stack outputs the live test needs (services/glue-etl). */
export const GlueEtlStackOutputsSchema = z.object({
  RawBucketName: z.string().min(1),
  DataLakeBucketName: z.string().min(1),
  RawDatabaseName: z.string().min(1),
  DataLakeDatabaseName: z.string().min(1),
  RawCrawlerName: z.string().min(1),
  DataLakeCrawlerName: z.string().min(1),
  JobName: z.string().min(1),
  AthenaWorkGroupName: z.string().min(1),
});

export type GlueEtlStackOutputs = z.infer<typeof GlueEtlStackOutputsSchema>;

/** Output name -> environment variable the CodeBuild action sets. */
export const OUTPUT_ENVIRONMENT_VARIABLES: Record<keyof GlueEtlStackOutputs, string> = {
  RawBucketName: 'RAW_BUCKET_NAME',
  DataLakeBucketName: 'DATA_LAKE_BUCKET_NAME',
  RawDatabaseName: 'RAW_DATABASE_NAME',
  DataLakeDatabaseName: 'DATA_LAKE_DATABASE_NAME',
  RawCrawlerName: 'RAW_CRAWLER_NAME',
  DataLakeCrawlerName: 'DATA_LAKE_CRAWLER_NAME',
  JobName: 'JOB_NAME',
  AthenaWorkGroupName: 'ATHENA_WORKGROUP_NAME',
};

/** Validates stack outputs (extra outputs are ignored); the error names every missing output. */
export const parseGlueEtlStackOutputs = (input: unknown, origin = 'stack outputs'): GlueEtlStackOutputs => {
  const parsed = GlueEtlStackOutputsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${formatIssuePath(issue.path) || '(root)'}: ${issue.message}`);
  throw new LiveTestConfigurationError(`Invalid ${origin}: ${problems.join('; ')}`);
};

/** Stack outputs from RAW_BUCKET_NAME, DATA_LAKE_BUCKET_NAME, ... */
export const outputsFromEnvironment = (env: NodeJS.ProcessEnv): GlueEtlStackOutputs => {
  const missing = Object.values(OUTPUT_ENVIRONMENT_VARIABLES).filter((variable) => !env[variable]);
  if (missing.length > 0) {
    throw new LiveTestConfigurationError(`Stack outputs missing: pass --outputs '<json>' or set ${missing.join(', ')}`);
  }
  return parseGlueEtlStackOutputs(
    Object.fromEntries(
      Object.entries(OUTPUT_ENVIRONMENT_VARIABLES).map(([output, variable]) => [output, env[variable]]),
    ),
    'stack outputs from environment',
  );
};
