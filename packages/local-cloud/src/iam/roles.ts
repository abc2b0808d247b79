// The roles and resource policies IAM evaluates, read from what the local CloudFormation created: AWS::IAM::Role
// (inline Policies, ManagedPolicyArns, PermissionsBoundary), AWS::IAM::Policy / AWS::IAM::ManagedPolicy attached by
// Roles, and AWS::S3::BucketPolicy. IAM itself is not served: a role exists once a stack declares it.

export interface PolicyDocument {
  Version?: string;
  Statement: unknown;
}

/** A resource of a live stack, with its resolved properties. */
export interface IamResourceView {
  type: string;
  physicalId: string;
  properties: Record<string, unknown>;
}

export interface RolePolicies {
  roleArn: string;
  /** False when no stack declares the role: it is allowed nothing. */
  exists: boolean;
  policies: { name: string; policy: PolicyDocument }[];
  boundary?: PolicyDocument;
  /** Policies the local cloud cannot read (AWS managed ones): ignored, so what they grant is denied. */
  unreadable: string[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const asDocument = (value: unknown): PolicyDocument | undefined =>
  isRecord(value) && 'Statement' in value ? (value as unknown as PolicyDocument) : undefined;
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/** `arn:aws:iam::<account>:role/<path/>name` → name. */
export const roleNameOf = (roleArn: string): string => roleArn.slice(roleArn.lastIndexOf('/') + 1);

/** The identity policies and boundary of `roleArn`, from the resources of the live stacks. */
export const rolePolicies = (roleArn: string, resources: readonly IamResourceView[]): RolePolicies => {
  const name = roleNameOf(roleArn);
  const role = resources.find((r) => r.type === 'AWS::IAM::Role' && r.physicalId === name);
  const result: RolePolicies = { roleArn, exists: role !== undefined, policies: [], unreadable: [] };
  if (!role) return result;
  const managed = (arn: string): PolicyDocument | undefined =>
    asDocument(
      resources.find((r) => r.type === 'AWS::IAM::ManagedPolicy' && r.physicalId === arn)?.properties.PolicyDocument,
    );
  for (const [index, inline] of (Array.isArray(role.properties.Policies) ? role.properties.Policies : []).entries()) {
    const document = isRecord(inline) ? asDocument(inline.PolicyDocument) : undefined;
    if (document)
      result.policies.push({
        name: String((inline as { PolicyName?: unknown }).PolicyName ?? index),
        policy: document,
      });
  }
  for (const arn of strings(role.properties.ManagedPolicyArns)) {
    const document = managed(arn);
    if (document) result.policies.push({ name: arn, policy: document });
    else result.unreadable.push(arn);
  }
  for (const resource of resources) {
    const attached =
      (resource.type === 'AWS::IAM::Policy' || resource.type === 'AWS::IAM::ManagedPolicy') &&
      strings(resource.properties.Roles).some((r) => r === name || r === roleArn);
    const document = attached ? asDocument(resource.properties.PolicyDocument) : undefined;
    if (document) result.policies.push({ name: resource.physicalId, policy: document });
  }
  const boundaryArn = role.properties.PermissionsBoundary;
  if (typeof boundaryArn === 'string') {
    // A boundary the cloud cannot read bounds the role to nothing: denied rather than guessed.
    result.boundary = managed(boundaryArn) ?? { Version: '2012-10-17', Statement: [] };
    if (!managed(boundaryArn)) result.unreadable.push(boundaryArn);
  }
  return result;
};

/** The bucket policy of `bucket`, if a live stack declares one. */
export const bucketPolicy = (bucket: string, resources: readonly IamResourceView[]): PolicyDocument | undefined =>
  asDocument(
    resources.find((r) => r.type === 'AWS::S3::BucketPolicy' && r.properties.Bucket === bucket)?.properties
      .PolicyDocument,
  );
