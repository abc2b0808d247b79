// A role of a packaged template as IAM evaluates it: its resolved inline and managed policies and its permissions
// boundary, judged by @cloud-copilot/iam-simulate (identity policies, boundaries, conditions as AWS evaluates them).
import { runSimulation } from '@cloud-copilot/iam-simulate';

export interface PolicyDocument {
  Version?: string;
  Statement: unknown[];
}

export interface SimulatedRole {
  name: string;
  arn: string;
  account: string;
  policies: { name: string; policy: PolicyDocument }[];
  boundary?: PolicyDocument;
}

export interface Request {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export class SimulationInputError extends Error {
  override name = 'SimulationInputError';
}

/** The decision IAM would take for `role` sending `request` (invalid actions or ARNs throw, naming the request). */
export const decide = async (role: SimulatedRole, request: Request): Promise<Decision> => {
  const response = await runSimulation(
    {
      request: {
        principal: role.arn,
        action: request.action,
        resource: { resource: request.resource, accountId: role.account },
        contextVariables: request.context ?? {},
      },
      identityPolicies: role.policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(role.boundary ? { permissionBoundaryPolicies: [{ name: 'boundary', policy: role.boundary }] } : {}),
    },
    { simulationMode: 'Strict' },
  );
  if (response.resultType === 'error') {
    throw new SimulationInputError(
      `${role.name}: ${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`,
    );
  }
  return response.overallResult as Decision;
};

/** Every request with its decision, for one readable `toEqual` over a whole table. */
export const decideAll = async (
  role: SimulatedRole,
  requests: Request[],
): Promise<{ request: string; decision: Decision }[]> =>
  Promise.all(
    requests.map(async (request) => ({
      request: `${request.action} ${request.resource}${request.context ? ` ${JSON.stringify(request.context)}` : ''}`,
      decision: await decide(role, request),
    })),
  );
