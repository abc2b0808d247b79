import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AwsServiceError } from '../aws-error';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../contracts';
import { epochSeconds, jsonCopy, parseInput } from '../json-input';
import type { JsonOperation } from '../json-protocol';
import { pageByKey } from '../paging';
import { readJsonState, stateFile, writeJsonState } from '../persistence';
import { randomPassword } from './random-password';

const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const INVALID_PARAMETER = 'InvalidParameterException';

interface SecretVersion {
  SecretString?: string;
  /** Base64, as the JSON protocol carries blobs. */
  SecretBinary?: string;
  VersionStages: string[];
  CreatedDate: number;
}

interface SecretRecord {
  ARN: string;
  Name: string;
  Description?: string;
  KmsKeyId?: string;
  Tags?: { Key: string; Value: string }[];
  CreatedDate: number;
  LastChangedDate: number;
  LastAccessedDate?: number;
  DeletedDate?: number;
  versions: Record<string, SecretVersion>;
}

interface SecretsState {
  secrets: Record<string, SecretRecord>;
}

const SecretName = z.string().regex(/^[\w/+=.@-]{1,512}$/, 'must be 1-512 letters, digits or /_+=.@- characters');
const SecretId = z.string().min(1).max(2048);
const Token = z.string().min(32).max(64).optional();
const Value = { SecretString: z.string().max(65536).optional(), SecretBinary: z.string().optional() };

const notFound = (): AwsServiceError =>
  new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.", 400);
const invalidRequest = (message: string): AwsServiceError =>
  new AwsServiceError('InvalidRequestException', message, 400);
const markedForDeletion = (): AwsServiceError =>
  invalidRequest("You can't perform this operation on the secret because it was marked for deletion.");

/** Secrets Manager appends 6 random characters to the name in the ARN. */
const secretArn = (name: string): string =>
  `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:secret:${name}-${randomBytes(6).toString('base64url').slice(0, 6)}`;

/** LastAccessedDate is a day, not a moment. */
const today = (): number => epochSeconds(new Date(new Date().toISOString().slice(0, 10)));

/**
 * The local Secrets Manager, persisted in `state/secretsmanager.json`: secrets with versions and staging labels
 * (AWSCURRENT / AWSPREVIOUS), scheduled or forced deletion, random passwords. Values are stored unencrypted
 * under the state folder (the KMS key id is recorded only).
 */
export class Secrets {
  private readonly file: string;
  private readonly state: SecretsState;

  constructor(stateDir: string) {
    this.file = stateFile(stateDir, 'secretsmanager');
    this.state = readJsonState<SecretsState>(this.file, { secrets: {} });
  }

  private save(): void {
    writeJsonState(this.file, this.state);
  }

  /** By name, full ARN, or ARN without the random suffix, as Secrets Manager resolves a SecretId. */
  private find(secretId: string): SecretRecord {
    const secret =
      this.state.secrets[secretId] ??
      Object.values(this.state.secrets).find(
        (candidate) => candidate.ARN === secretId || candidate.ARN.slice(0, -7) === secretId,
      );
    if (!secret) throw notFound();
    return secret;
  }

  private live(secretId: string): SecretRecord {
    const secret = this.find(secretId);
    if (secret.DeletedDate !== undefined) throw markedForDeletion();
    return secret;
  }

  /** Adds a version and moves the labels: AWSCURRENT to it, the old AWSCURRENT to AWSPREVIOUS. */
  private putVersion(
    secret: SecretRecord,
    versionId: string,
    value: { SecretString?: string | undefined; SecretBinary?: string | undefined },
    stages: string[] = [CURRENT],
  ): void {
    const existing = secret.versions[versionId];
    if (existing) {
      if (existing.SecretString !== value.SecretString || existing.SecretBinary !== value.SecretBinary) {
        throw new AwsServiceError(
          'ResourceExistsException',
          `You can't modify an existing version, you can only create a new version. (version ${versionId})`,
          400,
        );
      }
      return; // the same request again: idempotent
    }
    const movesCurrent = stages.includes(CURRENT);
    for (const version of Object.values(secret.versions)) {
      const wasCurrent = version.VersionStages.includes(CURRENT);
      version.VersionStages = version.VersionStages.filter(
        (stage) => !stages.includes(stage) && !(movesCurrent && stage === PREVIOUS),
      );
      if (movesCurrent && wasCurrent) version.VersionStages.push(PREVIOUS);
    }
    // A version without staging labels is deprecated; Secrets Manager removes those, so the state stays bounded.
    for (const [id, version] of Object.entries(secret.versions)) {
      if (version.VersionStages.length === 0) delete secret.versions[id];
    }
    secret.versions[versionId] = {
      ...(value.SecretString !== undefined ? { SecretString: value.SecretString } : {}),
      ...(value.SecretBinary !== undefined ? { SecretBinary: value.SecretBinary } : {}),
      VersionStages: stages,
      CreatedDate: epochSeconds(),
    };
    secret.LastChangedDate = epochSeconds();
  }

  private findByStage(secret: SecretRecord, stage: string): [string, SecretVersion] | undefined {
    return Object.entries(secret.versions).find(([, version]) => version.VersionStages.includes(stage));
  }

  operations(): Record<string, JsonOperation> {
    const parse = <T extends z.ZodType>(schema: T, input: unknown): z.infer<T> =>
      parseInput(schema, input, INVALID_PARAMETER);
    return {
      CreateSecret: async (raw) => {
        const input = parse(
          z.object({
            Name: SecretName,
            ClientRequestToken: Token,
            Description: z.string().max(2048).optional(),
            KmsKeyId: z.string().optional(),
            Tags: z.array(z.object({ Key: z.string(), Value: z.string() })).optional(),
            ...Value,
          }),
          raw,
        );
        if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
          throw new AwsServiceError(
            INVALID_PARAMETER,
            'You must provide either SecretString or SecretBinary, not both',
            400,
          );
        }
        const existing = this.state.secrets[input.Name];
        if (existing?.DeletedDate !== undefined) {
          throw invalidRequest(
            "You can't create this secret because a secret with this name is already scheduled for deletion.",
          );
        }
        if (existing) {
          throw new AwsServiceError(
            'ResourceExistsException',
            `The operation failed because the secret ${input.Name} already exists.`,
            400,
          );
        }
        const now = epochSeconds();
        const secret: SecretRecord = {
          ARN: secretArn(input.Name),
          Name: input.Name,
          ...(input.Description !== undefined ? { Description: input.Description } : {}),
          ...(input.KmsKeyId !== undefined ? { KmsKeyId: input.KmsKeyId } : {}),
          ...(input.Tags !== undefined ? { Tags: input.Tags } : {}),
          CreatedDate: now,
          LastChangedDate: now,
          versions: {},
        };
        const hasValue = input.SecretString !== undefined || input.SecretBinary !== undefined;
        const versionId = input.ClientRequestToken ?? randomUUID();
        if (hasValue) this.putVersion(secret, versionId, input);
        this.state.secrets[input.Name] = secret;
        this.save();
        return { ARN: secret.ARN, Name: secret.Name, ...(hasValue ? { VersionId: versionId } : {}) };
      },
      GetSecretValue: async (raw) => {
        const input = parse(
          z.object({ SecretId, VersionId: z.string().optional(), VersionStage: z.string().optional() }),
          raw,
        );
        const secret = this.live(input.SecretId);
        const stage = input.VersionStage ?? (input.VersionId === undefined ? CURRENT : undefined);
        const found =
          input.VersionId !== undefined
            ? ([input.VersionId, secret.versions[input.VersionId]] as const)
            : this.findByStage(secret, stage!);
        const [versionId, version] = found ?? [];
        if (!versionId || !version || (stage !== undefined && !version.VersionStages.includes(stage))) {
          throw new AwsServiceError(
            'ResourceNotFoundException',
            `Secrets Manager can't find the specified secret value for ${input.VersionId !== undefined ? `VersionId: ${input.VersionId}` : `staging label: ${stage}`}`,
            400,
          );
        }
        secret.LastAccessedDate = today();
        this.save();
        return {
          ARN: secret.ARN,
          Name: secret.Name,
          VersionId: versionId,
          ...(version.SecretString !== undefined ? { SecretString: version.SecretString } : {}),
          ...(version.SecretBinary !== undefined ? { SecretBinary: version.SecretBinary } : {}),
          VersionStages: version.VersionStages,
          CreatedDate: version.CreatedDate,
        };
      },
      DescribeSecret: async (raw) => {
        const secret = this.find(parse(z.object({ SecretId }), raw).SecretId);
        const { versions, ...described } = jsonCopy(secret);
        return {
          ...described,
          RotationEnabled: false,
          VersionIdsToStages: Object.fromEntries(
            Object.entries(versions)
              .filter(([, version]) => version.VersionStages.length > 0)
              .map(([id, version]) => [id, version.VersionStages]),
          ),
        };
      },
      PutSecretValue: async (raw) => {
        const input = parse(
          z.object({
            SecretId,
            ClientRequestToken: Token,
            VersionStages: z.array(z.string()).min(1).optional(),
            ...Value,
          }),
          raw,
        );
        if ((input.SecretString === undefined) === (input.SecretBinary === undefined)) {
          throw new AwsServiceError(INVALID_PARAMETER, 'You must provide either SecretString or SecretBinary', 400);
        }
        const secret = this.live(input.SecretId);
        const versionId = input.ClientRequestToken ?? randomUUID();
        this.putVersion(secret, versionId, input, input.VersionStages ?? [CURRENT]);
        this.save();
        return {
          ARN: secret.ARN,
          Name: secret.Name,
          VersionId: versionId,
          VersionStages: secret.versions[versionId]!.VersionStages,
        };
      },
      UpdateSecret: async (raw) => {
        const input = parse(
          z.object({
            SecretId,
            ClientRequestToken: Token,
            Description: z.string().max(2048).optional(),
            KmsKeyId: z.string().optional(),
            ...Value,
          }),
          raw,
        );
        const secret = this.live(input.SecretId);
        if (input.Description !== undefined) secret.Description = input.Description;
        if (input.KmsKeyId !== undefined) secret.KmsKeyId = input.KmsKeyId;
        let versionId: string | undefined;
        if (input.SecretString !== undefined || input.SecretBinary !== undefined) {
          versionId = input.ClientRequestToken ?? randomUUID();
          this.putVersion(secret, versionId, input);
        }
        secret.LastChangedDate = epochSeconds();
        this.save();
        return { ARN: secret.ARN, Name: secret.Name, ...(versionId ? { VersionId: versionId } : {}) };
      },
      DeleteSecret: async (raw) => {
        const input = parse(
          z.object({
            SecretId,
            RecoveryWindowInDays: z.number().int().min(7).max(30).optional(),
            ForceDeleteWithoutRecovery: z.boolean().optional(),
          }),
          raw,
        );
        if (input.ForceDeleteWithoutRecovery && input.RecoveryWindowInDays !== undefined) {
          throw new AwsServiceError(
            INVALID_PARAMETER,
            "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
            400,
          );
        }
        const secret = this.find(input.SecretId);
        if (input.ForceDeleteWithoutRecovery) {
          delete this.state.secrets[secret.Name];
          this.save();
          return { ARN: secret.ARN, Name: secret.Name, DeletionDate: epochSeconds() };
        }
        if (secret.DeletedDate !== undefined) throw markedForDeletion();
        secret.DeletedDate = epochSeconds(new Date(Date.now() + (input.RecoveryWindowInDays ?? 30) * 86_400_000));
        this.save();
        return { ARN: secret.ARN, Name: secret.Name, DeletionDate: secret.DeletedDate };
      },
      RestoreSecret: async (raw) => {
        const secret = this.find(parse(z.object({ SecretId }), raw).SecretId);
        delete secret.DeletedDate;
        this.save();
        return { ARN: secret.ARN, Name: secret.Name };
      },
      ListSecrets: async (raw) => {
        const input = parse(
          z.object({
            IncludePlannedDeletion: z.boolean().optional(),
            MaxResults: z.number().int().min(1).max(100).optional(),
            NextToken: z.string().optional(),
            Filters: z.array(z.unknown()).max(0, 'is not supported by the local Secrets Manager').optional(),
          }),
          raw,
        );
        const secrets = Object.values(this.state.secrets).filter(
          (secret) => input.IncludePlannedDeletion || secret.DeletedDate === undefined,
        );
        const page = pageByKey(secrets, (secret) => secret.Name, {
          nextToken: input.NextToken,
          maxResults: input.MaxResults,
          defaultMax: 100,
          errorCode: INVALID_PARAMETER,
        });
        return {
          SecretList: page.items.map(({ versions, ...secret }) => ({
            ...jsonCopy(secret),
            SecretVersionsToStages: Object.fromEntries(
              Object.entries(versions).map(([id, version]) => [id, version.VersionStages]),
            ),
          })),
          ...(page.nextToken ? { NextToken: page.nextToken } : {}),
        };
      },
      GetRandomPassword: async (raw) => {
        const input = parse(
          z.object({
            PasswordLength: z.number().int().optional(),
            ExcludeCharacters: z.string().optional(),
            ExcludeNumbers: z.boolean().optional(),
            ExcludePunctuation: z.boolean().optional(),
            ExcludeUppercase: z.boolean().optional(),
            ExcludeLowercase: z.boolean().optional(),
            IncludeSpace: z.boolean().optional(),
            RequireEachIncludedType: z.boolean().optional(),
          }),
          raw,
        );
        return { RandomPassword: randomPassword(input) };
      },
    };
  }
}
