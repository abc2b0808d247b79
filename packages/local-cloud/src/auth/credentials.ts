import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import path from 'node:path';
import { LOCAL_ACCOUNT_ID } from '../contracts';

/** The account root: what the operator's keys (`pnpm cloud`'s export lines, `cloud.environment()`) act as. */
export const ROOT_ARN = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:root`;

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Who a key acts as: the account root (the operator) or a role (a Lambda, a state machine, a stack's service role). */
export type Identity = { kind: 'root'; arn: string } | { kind: 'role'; arn: string };

interface StoredCredentials {
  operator: AccessKey;
  /** Seeds the role keys: a role's key is derived from it and the role ARN, so it is the same after a restart. */
  roleSeed: string;
}

export const CREDENTIALS_FILE = 'credentials.json';

const newSecret = (): string => randomBytes(30).toString('base64').replace(/[+/=]/g, 'x').slice(0, 40);
const newAccessKeyId = (prefix: string, seed: string): string =>
  prefix + createHash('sha256').update(seed).digest('hex').slice(0, 16).toUpperCase();

/**
 * The access keys this cloud issued, from `<stateDir>/credentials.json` (0600, written once at the first start):
 * one operator key (the account root) and one key per role, derived on demand.
 */
export class CredentialStore {
  private readonly stored: StoredCredentials;
  private readonly byKeyId = new Map<string, { key: AccessKey; identity: Identity }>();

  constructor(stateDir: string) {
    const file = path.join(stateDir, CREDENTIALS_FILE);
    this.stored = existsSync(file) ? CredentialStore.read(file) : CredentialStore.create(file);
    this.remember(this.stored.operator, { kind: 'root', arn: ROOT_ARN });
  }

  private static read(file: string): StoredCredentials {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<StoredCredentials>;
    const valid =
      typeof parsed.operator?.accessKeyId === 'string' &&
      typeof parsed.operator.secretAccessKey === 'string' &&
      typeof parsed.roleSeed === 'string';
    if (!valid) throw new Error(`${file} is not a local cloud credentials file (remove it to issue new keys)`);
    return parsed as StoredCredentials;
  }

  private static create(file: string): StoredCredentials {
    const roleSeed = randomBytes(32).toString('hex');
    const credentials: StoredCredentials = {
      operator: { accessKeyId: newAccessKeyId('AKIA', roleSeed), secretAccessKey: newSecret() },
      roleSeed,
    };
    // Written aside and renamed: a reader never sees half a file, and the mode is set before the secret is in it.
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(credentials, null, 2), { mode: 0o600 });
    renameSync(temporary, file);
    return credentials;
  }

  private remember(key: AccessKey, identity: Identity): AccessKey {
    this.byKeyId.set(key.accessKeyId, { key, identity });
    return key;
  }

  /** The operator's key: the account root. */
  operator(): AccessKey {
    return this.stored.operator;
  }

  /** The key that acts as `roleArn` (what Lambda, Step Functions, Glue and CloudFormation hand their code). */
  forRole(roleArn: string): AccessKey {
    const seed = `${this.stored.roleSeed}\n${roleArn}`;
    const accessKeyId = newAccessKeyId('ASIA', seed);
    const known = this.byKeyId.get(accessKeyId);
    if (known) return known.key;
    const secretAccessKey = createHmac('sha256', this.stored.roleSeed).update(roleArn).digest('base64').slice(0, 40);
    return this.remember({ accessKeyId, secretAccessKey }, { kind: 'role', arn: roleArn });
  }

  /** The key and who it acts as, or undefined for a key this cloud never issued. */
  lookup(accessKeyId: string): { key: AccessKey; identity: Identity } | undefined {
    return this.byKeyId.get(accessKeyId);
  }
}
