// The server-side backstop for protected environments: termination protection and a stack policy that CloudFormation
// itself enforces, so a bug in the client-side verdict cannot replace or delete stateful resources.

/** Resource types that hold data: one list for the verdict's protected types and the protected stack policy. */
export const STATEFUL_RESOURCE_TYPES: readonly string[] = [
  'AWS::S3::Bucket',
  'AWS::Glue::Database',
  'AWS::Glue::Table',
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBCluster',
  'AWS::EFS::FileSystem',
  'AWS::Kinesis::Stream',
  'AWS::KMS::Key',
];

export interface StackPolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Principal: '*';
  Resource: string;
  Condition?: Record<string, Record<string, string[]>>;
}

export interface StackPolicy {
  Statement: StackPolicyStatement[];
}

/**
 * The policy of a protected stack: every update is allowed except replacing or deleting a stateful resource. A
 * deliberate migration overrides it for one update (`--stack-policy-during-update-body`).
 */
export const protectedStackPolicy = (): StackPolicy => ({
  Statement: [
    { Effect: 'Allow', Action: 'Update:*', Principal: '*', Resource: '*' },
    {
      Effect: 'Deny',
      Action: ['Update:Replace', 'Update:Delete'],
      Principal: '*',
      Resource: '*',
      Condition: { StringEquals: { ResourceType: [...STATEFUL_RESOURCE_TYPES] } },
    },
  ],
});

/** The protected stack policy as CloudFormation's StackPolicyBody. */
export const protectedStackPolicyBody = (): string => JSON.stringify(protectedStackPolicy());

/** Key-order-independent JSON, so a policy CloudFormation returns reformatted still compares equal. */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
};

const protectingStatement = (): StackPolicyStatement => protectedStackPolicy().Statement[1] as StackPolicyStatement;

/**
 * The policy body to set on an existing protected stack, or undefined when its policy already denies replacing and
 * deleting the stateful types. An operator's own statements are kept: the deny is added (a Deny always wins).
 */
export const protectedPolicyUpdate = (currentBody: string | undefined): string | undefined => {
  let current: { Statement?: unknown } | undefined;
  try {
    current = currentBody === undefined || currentBody.trim() === '' ? undefined : JSON.parse(currentBody);
  } catch {
    current = undefined;
  }
  const statements = Array.isArray(current?.Statement) ? (current.Statement as unknown[]) : undefined;
  if (statements === undefined) return protectedStackPolicyBody();
  const wanted = canonical(protectingStatement());
  if (statements.some((statement) => canonical(statement) === wanted)) return undefined;
  return JSON.stringify({ ...current, Statement: [...statements, protectingStatement()] });
};
