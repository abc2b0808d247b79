import { z } from 'zod';
import { epochSeconds } from '../json-input';

// The wire shapes of a Glue job's definition and of a run request, and the defaults Glue fills in.

export const Name = z.string().min(1).max(255);
const Arguments = z.record(z.string(), z.string());

export const JobDefinitionSchema = z.looseObject({
  JobMode: z.enum(['SCRIPT', 'VISUAL', 'NOTEBOOK']).optional(),
  Description: z.string().max(2048).optional(),
  LogUri: z.string().optional(),
  Role: z.string().min(1),
  ExecutionProperty: z.looseObject({ MaxConcurrentRuns: z.number().int().min(1).optional() }).optional(),
  Command: z.looseObject({
    Name: z.string().optional(),
    ScriptLocation: z.string().optional(),
    PythonVersion: z.string().optional(),
    Runtime: z.string().optional(),
  }),
  DefaultArguments: Arguments.optional(),
  NonOverridableArguments: Arguments.optional(),
  Connections: z.looseObject({ Connections: z.array(z.string()).optional() }).optional(),
  MaxRetries: z.number().int().min(0).max(10).optional(),
  AllocatedCapacity: z.number().int().optional(),
  Timeout: z.number().int().min(1).optional(),
  MaxCapacity: z.number().optional(),
  SecurityConfiguration: z.string().optional(),
  NotificationProperty: z.looseObject({}).optional(),
  GlueVersion: z.string().optional(),
  NumberOfWorkers: z.number().int().min(1).optional(),
  WorkerType: z.string().optional(),
  ExecutionClass: z.enum(['FLEX', 'STANDARD']).optional(),
});

export const StartJobRunSchema = z.object({
  JobName: Name,
  JobRunId: z.string().optional(),
  Arguments: Arguments.optional(),
  Timeout: z.number().int().min(1).optional(),
  MaxCapacity: z.number().optional(),
  WorkerType: z.string().optional(),
  NumberOfWorkers: z.number().int().min(1).optional(),
  ExecutionClass: z.string().optional(),
  SecurityConfiguration: z.string().optional(),
  NotificationProperty: z.looseObject({}).optional(),
});

export type JobDefinition = z.infer<typeof JobDefinitionSchema>;

/** A job as GetJob returns it. */
export type GlueJob = JobDefinition & { Name: string; CreatedOn: number; LastModifiedOn: number };

/** StartJobRun's input, validated. */
export type StartJobRunInput = z.infer<typeof StartJobRunSchema>;

// Glue's defaults: 2880 minutes (48 hours) for Glue ETL jobs, one concurrent run.
export const DEFAULT_TIMEOUT_MINUTES = 2880;
const DPU_PER_WORKER: Record<string, number> = {
  'G.025X': 0.25,
  'G.1X': 1,
  'G.2X': 2,
  'G.4X': 4,
  'G.8X': 8,
  'Z.2X': 2,
};

/** DPUs a run gets: its workers times their type's DPUs, or the declared MaxCapacity. */
export const maxCapacityOf = (definition: { WorkerType?: string; NumberOfWorkers?: number; MaxCapacity?: number }) =>
  definition.WorkerType && definition.NumberOfWorkers
    ? (DPU_PER_WORKER[definition.WorkerType] ?? 1) * definition.NumberOfWorkers
    : definition.MaxCapacity;

/** A job's stored form from its definition, with Glue's defaults filled in. */
export const jobFrom = (name: string, definition: JobDefinition, createdOn: number): GlueJob => {
  const maxCapacity = maxCapacityOf(definition);
  return {
    ...definition,
    Name: name,
    JobMode: definition.JobMode ?? 'SCRIPT',
    ExecutionProperty: { MaxConcurrentRuns: 1, ...definition.ExecutionProperty },
    DefaultArguments: definition.DefaultArguments ?? {},
    MaxRetries: definition.MaxRetries ?? 0,
    Timeout: definition.Timeout ?? DEFAULT_TIMEOUT_MINUTES,
    ExecutionClass: definition.ExecutionClass ?? 'STANDARD',
    ...(maxCapacity === undefined ? {} : { MaxCapacity: maxCapacity }),
    CreatedOn: createdOn,
    LastModifiedOn: epochSeconds(),
  };
};
