import { z } from 'zod';
import { epochSeconds, jsonCopy, parseInput } from '../json-input';
import type { JsonOperation } from '../json-protocol';
import { pageByKey } from '../paging';
import { readJsonState, stateFile, writeJsonState } from '../persistence';
import { INVALID_REQUEST, invalidRequest } from './errors';

export const PRIMARY_WORKGROUP = 'primary';
export const ENGINE_VERSION = { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' };

const WorkGroupName = z.string().regex(/^[a-zA-Z0-9._-]{1,128}$/, 'must match [a-zA-Z0-9._-]{1,128}');
const ResultConfigurationSchema = z.looseObject({
  OutputLocation: z.string().startsWith('s3://', 'must be an s3:// URL').optional(),
  EncryptionConfiguration: z
    .looseObject({ EncryptionOption: z.enum(['SSE_S3', 'SSE_KMS', 'CSE_KMS']), KmsKey: z.string().optional() })
    .optional(),
  ExpectedBucketOwner: z.string().optional(),
  AclConfiguration: z.looseObject({ S3AclOption: z.string() }).optional(),
});
const ConfigurationSchema = z.looseObject({
  ResultConfiguration: ResultConfigurationSchema.optional(),
  EnforceWorkGroupConfiguration: z.boolean().optional(),
  PublishCloudWatchMetricsEnabled: z.boolean().optional(),
  BytesScannedCutoffPerQuery: z.number().int().min(10_000_000).optional(),
  RequesterPaysEnabled: z.boolean().optional(),
  EngineVersion: z.looseObject({ SelectedEngineVersion: z.string().optional() }).optional(),
});
const ConfigurationUpdatesSchema = z.looseObject({
  EnforceWorkGroupConfiguration: z.boolean().optional(),
  ResultConfigurationUpdates: z
    .looseObject({
      OutputLocation: z.string().startsWith('s3://', 'must be an s3:// URL').optional(),
      RemoveOutputLocation: z.boolean().optional(),
      EncryptionConfiguration: ResultConfigurationSchema.shape.EncryptionConfiguration,
      RemoveEncryptionConfiguration: z.boolean().optional(),
      ExpectedBucketOwner: z.string().optional(),
      RemoveExpectedBucketOwner: z.boolean().optional(),
      AclConfiguration: ResultConfigurationSchema.shape.AclConfiguration,
      RemoveAclConfiguration: z.boolean().optional(),
    })
    .optional(),
  PublishCloudWatchMetricsEnabled: z.boolean().optional(),
  BytesScannedCutoffPerQuery: z.number().int().min(10_000_000).optional(),
  RemoveBytesScannedCutoffPerQuery: z.boolean().optional(),
  RequesterPaysEnabled: z.boolean().optional(),
  EngineVersion: z.looseObject({ SelectedEngineVersion: z.string().optional() }).optional(),
});
const State = z.enum(['ENABLED', 'DISABLED']);

export type WorkGroupConfiguration = z.infer<typeof ConfigurationSchema>;
type ConfigurationUpdates = z.infer<typeof ConfigurationUpdatesSchema>;

/** A workgroup as GetWorkGroup returns it. */
export interface WorkGroup {
  Name: string;
  State: 'ENABLED' | 'DISABLED';
  Configuration: WorkGroupConfiguration;
  Description?: string;
  CreationTime: number;
}

interface WorkGroupState {
  workGroups: Record<string, WorkGroup>;
}

const configurationOf = (configuration: WorkGroupConfiguration = {}): WorkGroupConfiguration => ({
  ResultConfiguration: {},
  EnforceWorkGroupConfiguration: true,
  PublishCloudWatchMetricsEnabled: false,
  RequesterPaysEnabled: false,
  ...configuration,
  EngineVersion: {
    ...ENGINE_VERSION,
    ...(configuration.EngineVersion?.SelectedEngineVersion
      ? { SelectedEngineVersion: configuration.EngineVersion.SelectedEngineVersion }
      : {}),
  },
});

/** UpdateWorkGroup's `ConfigurationUpdates` applied to a configuration (Remove* flags drop members). */
const applyUpdates = (current: WorkGroupConfiguration, updates: ConfigurationUpdates): WorkGroupConfiguration => {
  const next: WorkGroupConfiguration = jsonCopy(current);
  const result = { ...next.ResultConfiguration };
  const changes = updates.ResultConfigurationUpdates ?? {};
  if (changes.OutputLocation !== undefined) result.OutputLocation = changes.OutputLocation;
  if (changes.RemoveOutputLocation) delete result.OutputLocation;
  if (changes.EncryptionConfiguration !== undefined) result.EncryptionConfiguration = changes.EncryptionConfiguration;
  if (changes.RemoveEncryptionConfiguration) delete result.EncryptionConfiguration;
  if (changes.ExpectedBucketOwner !== undefined) result.ExpectedBucketOwner = changes.ExpectedBucketOwner;
  if (changes.RemoveExpectedBucketOwner) delete result.ExpectedBucketOwner;
  if (changes.AclConfiguration !== undefined) result.AclConfiguration = changes.AclConfiguration;
  if (changes.RemoveAclConfiguration) delete result.AclConfiguration;
  next.ResultConfiguration = result;
  for (const key of [
    'EnforceWorkGroupConfiguration',
    'PublishCloudWatchMetricsEnabled',
    'RequesterPaysEnabled',
  ] as const) {
    if (updates[key] !== undefined) next[key] = updates[key];
  }
  if (updates.BytesScannedCutoffPerQuery !== undefined)
    next.BytesScannedCutoffPerQuery = updates.BytesScannedCutoffPerQuery;
  if (updates.RemoveBytesScannedCutoffPerQuery) delete next.BytesScannedCutoffPerQuery;
  if (updates.EngineVersion?.SelectedEngineVersion) {
    next.EngineVersion = { ...ENGINE_VERSION, SelectedEngineVersion: updates.EngineVersion.SelectedEngineVersion };
  }
  return next;
};

/** Athena workgroups (with the built-in `primary`), persisted in `state/athena-workgroups.json`. */
export class WorkGroups {
  private readonly file: string;
  private readonly state: WorkGroupState;

  constructor(stateDir: string) {
    this.file = stateFile(stateDir, 'athena-workgroups');
    this.state = readJsonState<WorkGroupState>(this.file, { workGroups: {} });
    if (!this.state.workGroups[PRIMARY_WORKGROUP]) {
      // Athena's primary workgroup: no result location, client settings win.
      this.state.workGroups[PRIMARY_WORKGROUP] = {
        Name: PRIMARY_WORKGROUP,
        State: 'ENABLED',
        Configuration: configurationOf({ EnforceWorkGroupConfiguration: false }),
        CreationTime: epochSeconds(),
      };
      this.save();
    }
  }

  private save(): void {
    writeJsonState(this.file, this.state);
  }

  get(name: string): WorkGroup {
    const workGroup = this.state.workGroups[name];
    if (!workGroup) throw invalidRequest(`WorkGroup ${name} is not found.`, 'RESOURCE_NOT_FOUND');
    return jsonCopy(workGroup);
  }

  operations(): Record<string, JsonOperation> {
    const parse = <T extends z.ZodType>(schema: T, input: unknown): z.infer<T> =>
      parseInput(schema, input, INVALID_REQUEST);
    return {
      CreateWorkGroup: async (raw) => {
        const input = parse(
          z.object({
            Name: WorkGroupName,
            Configuration: ConfigurationSchema.optional(),
            Description: z.string().max(1024).optional(),
            Tags: z.array(z.unknown()).optional(),
          }),
          raw,
        );
        if (this.state.workGroups[input.Name]) throw invalidRequest('WorkGroup is already created', 'ALREADY_EXISTS');
        this.state.workGroups[input.Name] = {
          Name: input.Name,
          State: 'ENABLED',
          Configuration: configurationOf(input.Configuration),
          ...(input.Description !== undefined ? { Description: input.Description } : {}),
          CreationTime: epochSeconds(),
        };
        this.save();
        return {};
      },
      GetWorkGroup: async (raw) => ({
        WorkGroup: this.get(parse(z.object({ WorkGroup: WorkGroupName }), raw).WorkGroup),
      }),
      ListWorkGroups: async (raw) => {
        const input = parse(
          z.object({ NextToken: z.string().optional(), MaxResults: z.number().int().min(1).max(50).optional() }),
          raw,
        );
        const page = pageByKey(Object.values(this.state.workGroups), (workGroup) => workGroup.Name, {
          nextToken: input.NextToken,
          maxResults: input.MaxResults,
          defaultMax: 50,
          errorCode: INVALID_REQUEST,
        });
        return {
          WorkGroups: page.items.map((workGroup) => ({
            Name: workGroup.Name,
            State: workGroup.State,
            ...(workGroup.Description !== undefined ? { Description: workGroup.Description } : {}),
            CreationTime: workGroup.CreationTime,
            EngineVersion: workGroup.Configuration.EngineVersion,
          })),
          ...(page.nextToken ? { NextToken: page.nextToken } : {}),
        };
      },
      UpdateWorkGroup: async (raw) => {
        const input = parse(
          z.object({
            WorkGroup: WorkGroupName,
            Description: z.string().max(1024).optional(),
            ConfigurationUpdates: ConfigurationUpdatesSchema.optional(),
            State: State.optional(),
          }),
          raw,
        );
        const current = this.get(input.WorkGroup);
        this.state.workGroups[input.WorkGroup] = {
          ...current,
          ...(input.Description !== undefined ? { Description: input.Description } : {}),
          ...(input.State !== undefined ? { State: input.State } : {}),
          Configuration: input.ConfigurationUpdates
            ? applyUpdates(current.Configuration, input.ConfigurationUpdates)
            : current.Configuration,
        };
        this.save();
        return {};
      },
      DeleteWorkGroup: async (raw) => {
        const input = parse(z.object({ WorkGroup: WorkGroupName, RecursiveDeleteOption: z.boolean().optional() }), raw);
        if (input.WorkGroup === PRIMARY_WORKGROUP) throw invalidRequest('Cannot delete primary workgroup');
        this.get(input.WorkGroup);
        delete this.state.workGroups[input.WorkGroup];
        this.save();
        return {};
      },
    };
  }
}
