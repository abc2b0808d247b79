// What AWS services do as a principal inside the local cloud: a Glue crawl as the crawler's role, a job run as the
// job's role, an Athena query as its caller. Each S3 and Data Catalog access they make is judged by the enforcer
// with the same action table as the HTTP calls (actions.ts), so a role that could not do it on AWS cannot do it here.
import { isAwsServiceError } from '../aws-error';
import { LOCAL_ACCOUNT_ID, type ObjectStore, type Principal } from '../contracts';
import { iamRequestsOf, type IamRequest } from './actions';
import type { Actor } from './enforcer';

/** The enforcer's in-process check (`IamEnforcer.require`); allows everything when IAM is off. */
export type AuthorizeAs = (actor: Actor, requests: readonly IamRequest[], service: string) => Promise<void>;

export const ALLOW_ALL: AuthorizeAs = async () => undefined;

/** The session names AWS gives the role sessions of its services (what a denial's `assumed-role/…` ends with). */
export const SERVICE_SESSIONS = { crawler: 'AWS-Crawler', job: 'GlueJobRunnerSession' } as const;

/** The service error details AWS's SDKs append to a denial a service relays (Glue's LastCrawl, a job's error). */
const SERVICE_DETAILS: Readonly<Record<string, string>> = {
  s3: '(Service: Amazon S3; Status Code: 403; Error Code: AccessDenied)',
  glue: '(Service: AWSGlue; Status Code: 400; Error Code: AccessDeniedException)',
};

/** A service principal was denied: the enforcer's message (action, principal, resource, why) and the service's code. */
export class ServiceAccessDenied extends Error {
  override name = 'AccessDeniedException';
  constructor(
    /** `User: arn:aws:sts::…:assumed-role/<role>/<session> is not authorized to perform: <action> on resource: …`. */
    readonly denial: string,
    readonly service: string,
    /** The denied call's input (`Bucket`, `Key`, `Prefix` …): what the relaying service names. */
    readonly input: Readonly<Record<string, unknown>> = {},
  ) {
    super(`${denial} ${SERVICE_DETAILS[service] ?? ''}`.trim());
    if (service === 's3') this.name = 'AccessDenied';
  }
}

export interface ServicePrincipal {
  readonly actor: Actor;
  /** Judges one operation as IAM authorizes the same call over HTTP; throws ServiceAccessDenied when denied. */
  require(service: 's3' | 'glue', operation: string, input: Record<string, unknown>): Promise<void>;
}

export const servicePrincipal = (authorizeAs: AuthorizeAs, actor: Actor): ServicePrincipal => ({
  actor,
  async require(service, operation, input) {
    const requests = iamRequestsOf(service, operation, input);
    // A programming error of the local cloud, not a denial: every operation used here is in the tables.
    if (requests === undefined) throw new Error(`src/iam/actions.ts has no ${service}:${operation} entry`);
    try {
      await authorizeAs(actor, requests, service);
    } catch (error) {
      if (isAwsServiceError(error) && error.code.startsWith('AccessDenied'))
        throw new ServiceAccessDenied(error.message, service, input);
      throw error;
    }
  },
});

/** A role (by ARN, or by name as Glue accepts it) acting through one of the sessions AWS's services open. */
export const roleSession = (role: string, session: string): Actor => ({
  kind: 'role',
  arn: role.startsWith('arn:') ? role : `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${role}`,
  session,
});

/** Who called an operation: the request's principal, or the account root for the cloud's own in-process calls. */
export const callerOf = (principal: Principal | undefined): Actor =>
  principal?.kind ? { kind: principal.kind, ...(principal.arn ? { arn: principal.arn } : {}) } : { kind: 'root' };

/** The `s3://` URL a denied S3 call was about (its object, or its bucket and listed prefix). */
export const s3UrlOfDenial = (denied: ServiceAccessDenied): string =>
  `s3://${String(denied.input.Bucket ?? '')}/${String(denied.input.Key ?? denied.input.Prefix ?? '')}`;

/** Spark/Hadoop bookkeeping and hidden files, which Glue and Athena skip (data-lake's listings skip the same). */
const isBookkeeping = (key: string): boolean => {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name.startsWith('_') || name.startsWith('.') || name.endsWith('_$folder$');
};

/** What reading `s3://bucket/key` lists and gets: one object, or a folder's data files under `key/`. */
export interface S3Read {
  /** The ListBucket prefix (`key/`, '' for the whole bucket); undefined when the URL names one object. */
  prefix?: string;
  keys: string[];
}

export const s3ReadOf = async (objects: ObjectStore, bucket: string, key: string): Promise<S3Read> => {
  const listed = await objects.listObjects(bucket, key);
  if (key !== '' && listed.some((object) => object.key === key)) return { keys: [key] };
  const prefix = key === '' ? '' : `${key}/`;
  return {
    prefix,
    keys: listed.map((object) => object.key).filter((name) => name.startsWith(prefix) && !isBookkeeping(name)),
  };
};

/**
 * Reading an S3 location as `principal`: GetBucketLocation first when the service locates the bucket (crawlers,
 * Athena), ListBucket with the prefix for a folder, GetObject of every data file (or of the one object).
 */
export const requireS3Read = async (
  principal: ServicePrincipal,
  objects: ObjectStore,
  location: { bucket: string; key: string },
  options: { locate?: boolean } = {},
): Promise<S3Read> => {
  const { bucket, key } = location;
  if (options.locate) await principal.require('s3', 'GetBucketLocation', { Bucket: bucket });
  const read = await s3ReadOf(objects, bucket, key);
  if (read.prefix !== undefined)
    await principal.require('s3', 'ListObjectsV2', { Bucket: bucket, Prefix: read.prefix });
  for (const name of read.keys) await principal.require('s3', 'GetObject', { Bucket: bucket, Key: name });
  return read;
};
