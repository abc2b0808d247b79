import { z } from 'zod';
import { invalidInput } from './errors';

// The wire shapes of a crawler's definition, and the targets the local crawler accepts.
export const Name = z.string().min(1).max(255);
const S3TargetSchema = z.looseObject({
  Path: z.string().startsWith('s3://', 'must be an s3:// URL'),
  Exclusions: z.array(z.string()).optional(),
  SampleSize: z.number().int().optional(),
});
const TargetsSchema = z.looseObject({
  S3Targets: z.array(S3TargetSchema).optional(),
  JdbcTargets: z.array(z.unknown()).optional(),
  MongoDBTargets: z.array(z.unknown()).optional(),
  DynamoDBTargets: z.array(z.unknown()).optional(),
  CatalogTargets: z.array(z.unknown()).optional(),
  DeltaTargets: z.array(z.unknown()).optional(),
  IcebergTargets: z.array(z.unknown()).optional(),
  HudiTargets: z.array(z.unknown()).optional(),
});
const SchemaChangePolicySchema = z.looseObject({
  UpdateBehavior: z.enum(['LOG', 'UPDATE_IN_DATABASE']).optional(),
  DeleteBehavior: z.enum(['LOG', 'DELETE_FROM_DATABASE', 'DEPRECATE_IN_DATABASE']).optional(),
});

// The members CreateCrawler and UpdateCrawler share (UpdateCrawler has them all optional).
const CrawlerMembersSchema = z.object({
  Role: z.string().min(1),
  DatabaseName: z.string().optional(),
  Description: z.string().max(2048).optional(),
  Targets: TargetsSchema,
  Schedule: z.string().optional(),
  Classifiers: z.array(z.string()).optional(),
  TablePrefix: z.string().max(128).optional(),
  SchemaChangePolicy: SchemaChangePolicySchema.optional(),
  RecrawlPolicy: z.looseObject({ RecrawlBehavior: z.string().optional() }).optional(),
  LineageConfiguration: z.looseObject({}).optional(),
  LakeFormationConfiguration: z.looseObject({}).optional(),
  Configuration: z.string().optional(),
  CrawlerSecurityConfiguration: z.string().optional(),
});
export const CreateCrawlerSchema = CrawlerMembersSchema.extend({
  Name,
  Tags: z.record(z.string(), z.string()).optional(),
});
export const UpdateCrawlerSchema = CrawlerMembersSchema.partial().extend({ Name });

/** CreateCrawler's and UpdateCrawler's input, validated. */
export type CreateCrawlerInput = z.infer<typeof CreateCrawlerSchema>;
export type UpdateCrawlerInput = z.infer<typeof UpdateCrawlerSchema>;

type CrawlerDefinition = Omit<z.infer<typeof CreateCrawlerSchema>, 'Tags' | 'Schedule'>;

/** A crawler as GetCrawler returns it. */
export type GlueCrawler = CrawlerDefinition & {
  State: 'READY' | 'RUNNING' | 'STOPPING';
  Schedule?: { ScheduleExpression: string; State: 'SCHEDULED' | 'NOT_SCHEDULED' };
  CreationTime: number;
  LastUpdated: number;
  Version: number;
  CrawlElapsedTime?: number;
  LastCrawl?: {
    Status: 'SUCCEEDED' | 'CANCELLED' | 'FAILED';
    ErrorMessage?: string;
    LogGroup: string;
    LogStream: string;
    MessagePrefix: string;
    StartTime: number;
  };
};

/** Targets the local crawler cannot crawl are refused when the crawler is defined, naming what is missing. */
export const checkTargets = (targets: z.infer<typeof TargetsSchema>): void => {
  const unsupported = Object.entries(targets)
    .filter(([kind, list]) => kind !== 'S3Targets' && Array.isArray(list) && list.length > 0)
    .map(([kind]) => kind);
  if (unsupported.length > 0) {
    throw invalidInput(`The local Glue crawls S3Targets only; ${unsupported.join(', ')} are not supported`);
  }
  for (const target of targets.S3Targets ?? []) {
    if (target.Exclusions && target.Exclusions.length > 0) {
      throw invalidInput(`The local Glue does not apply S3 target Exclusions (target ${target.Path})`);
    }
  }
};
