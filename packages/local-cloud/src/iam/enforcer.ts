// IAM enforcement of the local cloud: every call a role's key signs (and every call the cloud makes in-process as a
// role: Step Functions invoking Lambda, CloudFormation provisioning as its service role) is judged by
// @cloud-copilot/iam-simulate against the role's policies as the local CloudFormation declared them.
import { isWildcardOnlyAction, runSimulation } from '@cloud-copilot/iam-simulate';
import { AwsServiceError } from '../aws-error';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type AuthorizeHook, type Principal } from '../contracts';
import { type LogSink, logLine } from '../log';
import { iamRequestsOf, LOCAL_ONLY_OPERATIONS, type IamLookups, type IamRequest } from './actions';
import { bucketPolicy, type IamResourceView, roleNameOf, rolePolicies } from './roles';

/** `enforce` (the default) judges every call; `off` allows everything (unit tests of other layers only). */
export type IamMode = 'enforce' | 'off';

export interface IamEnforcerOptions {
  /** The resources of the live stacks (roles, policies, bucket policies). */
  resources: () => readonly IamResourceView[];
  lookups: IamLookups;
  log: LogSink;
}

/** Who acts in-process: a role (by ARN, in a named session: `AWS-Crawler` …) or the account root. */
export type Actor = Pick<Principal, 'arn' | 'kind'> & { session?: string };

export interface IamEnforcer {
  /** The router's hook: judges each decoded call by its principal. */
  authorize: AuthorizeHook;
  /** For in-process callers: throws the service's AccessDenied unless `actor` may make every request. */
  require(actor: Actor, requests: readonly IamRequest[], service: string): Promise<void>;
}

/** The caller as AWS names it in a denial: a role acts through a session of it. */
export const callerArnOf = (actor: Actor): string =>
  actor.kind === 'role' && actor.arn
    ? `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/${roleNameOf(actor.arn)}/${actor.session ?? 'local-cloud'}`
    : (actor.arn ?? 'anonymous');

/** AWS's AccessDenied per protocol: S3 and Query services `AccessDenied` (403), JSON ones `AccessDeniedException`. */
const accessDenied = (service: string, message: string): AwsServiceError => {
  if (service === 's3' || service === 'cloudformation' || service === 'sts' || service === 'iam')
    return new AwsServiceError('AccessDenied', message, 403);
  return new AwsServiceError('AccessDeniedException', message, service === 'lambda' ? 403 : 400);
};

const bucketOfArn = (resource: string): string | undefined =>
  resource.startsWith('arn:aws:s3:::') ? resource.slice('arn:aws:s3:::'.length).split('/')[0] : undefined;

type Verdict = { allowed: true } | { allowed: false; reason: string };

type Simulation = Parameters<typeof runSimulation>[0];
/** Simulations remembered per enforcer; past this many the memory starts over (a long-running `pnpm cloud`). */
const MAX_REMEMBERED_SIMULATIONS = 5000;

export const createIamEnforcer = (options: IamEnforcerOptions): IamEnforcer => {
  const wildcardOnly = new Map<string, Promise<boolean>>();
  const isWildcardOnly = (action: string): Promise<boolean> => {
    const [service = '', name = ''] = action.split(':');
    if (!wildcardOnly.has(action))
      wildcardOnly.set(
        action,
        isWildcardOnlyAction(service, name).catch(() => false),
      );
    return wildcardOnly.get(action)!;
  };

  // A simulation is a pure function of its input (the request, its context and every policy): the same input again,
  // a poll asking the same thing, gets the verdict already reached.
  const simulations = new Map<string, ReturnType<typeof runSimulation>>();
  const simulateOnce = (input: Simulation): ReturnType<typeof runSimulation> => {
    const key = JSON.stringify(input);
    let result = simulations.get(key);
    if (!result) {
      if (simulations.size >= MAX_REMEMBERED_SIMULATIONS) simulations.clear();
      result = runSimulation(input, { simulationMode: 'Strict' });
      simulations.set(key, result);
      result.catch(() => simulations.delete(key));
    }
    return result;
  };

  const judge = async (
    roleArn: string,
    request: IamRequest,
    resources: readonly IamResourceView[],
  ): Promise<Verdict> => {
    const role = rolePolicies(roleArn, resources);
    if (!role.exists)
      return { allowed: false, reason: `because no stack of this local cloud declares the role ${roleArn}` };
    const resource = (await isWildcardOnly(request.action)) ? '*' : request.resource;
    const bucket = bucketOfArn(resource);
    const resourcePolicy = bucket === undefined ? undefined : bucketPolicy(bucket, resources);
    const simulate = async (withBoundary: boolean) =>
      simulateOnce({
        request: {
          principal: roleArn,
          action: request.action,
          resource: { resource, accountId: LOCAL_ACCOUNT_ID },
          contextVariables: {
            // The loopback link is plain HTTP; it stands for AWS's TLS endpoints (bucket policies deny non-TLS).
            'aws:SecureTransport': 'true',
            'aws:PrincipalArn': roleArn,
            'aws:PrincipalAccount': LOCAL_ACCOUNT_ID,
            'aws:RequestedRegion': LOCAL_REGION,
            ...request.context,
          },
        },
        identityPolicies: role.policies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(withBoundary && role.boundary
          ? { permissionBoundaryPolicies: [{ name: 'boundary', policy: role.boundary }] }
          : {}),
        ...(resourcePolicy ? { resourcePolicy } : {}),
      });
    const result = await simulate(true);
    if (result.resultType === 'error') {
      logLine(options.log, 'iam', `cannot evaluate ${request.action} on ${resource}`, { errors: result.errors });
      return {
        allowed: false,
        reason: `because the local cloud could not evaluate it: ${JSON.stringify(result.errors)}`,
      };
    }
    if (result.overallResult === 'Allowed') return { allowed: true };
    if (result.overallResult === 'ExplicitlyDenied') return { allowed: false, reason: 'with an explicit deny' };
    const withoutBoundary = role.boundary ? await simulate(false) : undefined;
    if (withoutBoundary?.resultType !== 'error' && withoutBoundary?.overallResult === 'Allowed')
      return { allowed: false, reason: 'because no permissions boundary allows the ' + request.action + ' action' };
    const unreadable = role.unreadable.length > 0 ? ` (not read locally: ${role.unreadable.join(', ')})` : '';
    return {
      allowed: false,
      reason: `because no identity-based policy allows the ${request.action} action${unreadable}`,
    };
  };

  const require = async (actor: Actor, requests: readonly IamRequest[], service: string): Promise<void> => {
    if (actor.kind === 'root') return;
    const resources = options.resources();
    for (const request of requests) {
      const verdict = actor.arn
        ? await judge(actor.arn, request, resources)
        : ({ allowed: false, reason: 'because the request has no principal' } as const);
      if (!verdict.allowed) {
        const message = `User: ${callerArnOf(actor)} is not authorized to perform: ${request.action} on resource: ${request.resource} ${verdict.reason}`;
        logLine(options.log, 'iam', `denied: ${message}`);
        throw accessDenied(service, message);
      }
    }
  };

  return {
    require,
    authorize: async ({ service, operation, input, principal }) => {
      if (LOCAL_ONLY_OPERATIONS[service]?.includes(operation)) {
        // Not AWS operations (CodePipeline's own side of a job): no IAM action exists, only the operator may call them.
        if (principal.kind === 'root') return;
        throw accessDenied(
          service,
          `User: ${callerArnOf(principal)} is not authorized to perform: ${service}:${operation}: a local-only operation of the local cloud, callable with the operator key only`,
        );
      }
      const requests = iamRequestsOf(service, operation, input, options.lookups);
      if (requests === undefined) {
        throw accessDenied(
          service,
          `User: ${callerArnOf(principal)} is not authorized to perform: ${service}:${operation}: the local cloud has no IAM mapping for this operation (packages/local-cloud/src/iam/actions.ts), so it is denied`,
        );
      }
      await require(principal, requests, service);
    },
  };
};
