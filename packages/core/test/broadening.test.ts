import {
  judgeBroadening,
  s3PublicAccessBroadening,
  securityBroadening,
  templateDiffReport,
  type TemplateDocument,
} from '../src';

const role = (statements: object[], extra: Record<string, unknown> = {}) => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: {
      Statement: [{ Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    },
    Policies: [{ PolicyName: 'job', PolicyDocument: { Statement: statements } }],
    ...extra,
  },
});
const READ_RAW = { Sid: 'ReadRaw', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::raw/*' };
const BLOCK_ALL = {
  BlockPublicAcls: true,
  BlockPublicPolicy: true,
  IgnorePublicAcls: true,
  RestrictPublicBuckets: true,
};

const base = (): TemplateDocument => ({
  Resources: {
    JobRole: role([READ_RAW]),
    Raw: { Type: 'AWS::S3::Bucket', Properties: { PublicAccessBlockConfiguration: { ...BLOCK_ALL } } },
    RawPolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: 'Raw' },
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: '*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      },
    },
    Key: {
      Type: 'AWS::KMS::Key',
      Properties: {
        KeyPolicy: {
          Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::1:root' }, Action: 'kms:*', Resource: '*' }],
        },
      },
    },
    Group: { Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'job', SecurityGroupIngress: [] } },
  },
});

type Resources = Record<string, { Properties: Record<string, unknown> }>;

/** A copy of the base template with `edit` applied to its resources. */
const changed = (edit: (resources: Resources) => void): TemplateDocument => {
  const template = structuredClone(base()) as { Resources: Resources };
  edit(template.Resources);
  return template;
};
const jobStatements = (r: Resources): object[] =>
  (r.JobRole!.Properties.Policies as { PolicyDocument: { Statement: object[] } }[])[0]!.PolicyDocument.Statement;
const bucketStatements = (r: Resources): object[] =>
  (r.RawPolicy!.Properties.PolicyDocument as { Statement: object[] }).Statement;
const keyStatements = (r: Resources): object[] => (r.Key!.Properties.KeyPolicy as { Statement: object[] }).Statement;
const ingress = (r: Resources): object[] => r.Group!.Properties.SecurityGroupIngress as object[];
const publicAccessBlock = (r: Resources): Record<string, boolean> =>
  r.Raw!.Properties.PublicAccessBlockConfiguration as Record<string, boolean>;

describe('securityBroadening', () => {
  test('nothing changed: nothing broadened', () => {
    expect(securityBroadening(base(), base())).toEqual([]);
  });

  test.each([
    [
      'iam:* added to the Glue job role',
      changed((r) =>
        jobStatements(r).push({
          Effect: 'Allow',
          Action: 'iam:*',
          Resource: '*',
        }),
      ),
      'iam-statement',
      'Allow iam:* on * for AWS:${JobRole}',
    ],
    [
      'a statement widened (a new action on the same Sid)',
      changed((r) => {
        jobStatements(r)[0] = {
          ...READ_RAW,
          Action: ['s3:GetObject', 's3:PutObject'],
        };
      }),
      'iam-statement',
      'Allow s3:GetObject, s3:PutObject on arn:aws:s3:::raw/* for AWS:${JobRole}',
    ],
    [
      'a managed policy attached',
      changed((r) => {
        r.JobRole!.Properties.ManagedPolicyArns = ['arn:aws:iam::aws:policy/AdministratorAccess'];
      }),
      'managed-policy',
      'attach arn:aws:iam::aws:policy/AdministratorAccess to ${JobRole}',
    ],
    [
      'a public bucket policy statement',
      changed((r) =>
        bucketStatements(r).push({
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: '*',
        }),
      ),
      'iam-statement',
      'Allow s3:GetObject on ${Raw} for *',
    ],
    [
      'a KMS key policy opened to everyone',
      changed((r) =>
        keyStatements(r).push({
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 'kms:Decrypt',
          Resource: '*',
        }),
      ),
      'iam-statement',
      'Allow kms:Decrypt on ${Key.Arn} for AWS:*',
    ],
    [
      'a security group open to the world',
      changed((r) =>
        ingress(r).push({
          IpProtocol: 'tcp',
          FromPort: 22,
          ToPort: 22,
          CidrIp: '0.0.0.0/0',
        }),
      ),
      'security-group-ingress',
      '${Group.GroupId} allows TCP 22 from Everyone (IPv4)',
    ],
    [
      'a Deny removed from a bucket policy',
      changed((r) => {
        bucketStatements(r).splice(0);
      }),
      'iam-statement',
      'removes Deny s3:* on ${Raw} for * when "Bool": { "aws:SecureTransport": "false" }',
    ],
    [
      'a public access block flag turned off',
      changed((r) => {
        publicAccessBlock(r).BlockPublicPolicy = false;
      }),
      'public-access-block',
      'Raw (AWS::S3::Bucket): PublicAccessBlockConfiguration.BlockPublicPolicy true → false',
    ],
    [
      'a public canned ACL',
      changed((r) => {
        r.Raw!.Properties.AccessControl = 'PublicRead';
      }),
      'bucket-acl',
      'Raw (AWS::S3::Bucket): AccessControl PublicRead',
    ],
  ])('%s is reported', (_case, proposed, kind, description) => {
    const items = securityBroadening(base(), proposed);
    expect(items).toEqual([expect.objectContaining({ kind, description: expect.stringContaining(description) })]);
  });

  test('removing the whole public access block reports each flag', () => {
    const proposed = changed((r) => {
      delete r.Raw!.Properties.PublicAccessBlockConfiguration;
    });
    expect(s3PublicAccessBroadening(base(), proposed).map((b) => b.description)).toEqual([
      'Raw (AWS::S3::Bucket): PublicAccessBlockConfiguration.BlockPublicAcls true → removed',
      'Raw (AWS::S3::Bucket): PublicAccessBlockConfiguration.BlockPublicPolicy true → removed',
      'Raw (AWS::S3::Bucket): PublicAccessBlockConfiguration.IgnorePublicAcls true → removed',
      'Raw (AWS::S3::Bucket): PublicAccessBlockConfiguration.RestrictPublicBuckets true → removed',
    ]);
  });

  test('narrowing is not broadening: a statement removed, a Deny added, a block turned on', () => {
    const narrower = changed((r) => {
      jobStatements(r).splice(0);
      bucketStatements(r).push({
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:DeleteObject',
        Resource: '*',
      });
    });
    expect(securityBroadening(base(), narrower)).toEqual([]);
    expect(
      securityBroadening(
        changed((r) => {
          publicAccessBlock(r).BlockPublicAcls = false;
        }),
        base(),
      ),
    ).toEqual([]);
  });

  test('a new stack (no current template) broadens by every grant it declares', () => {
    const items = securityBroadening({}, base());
    expect(items.map((b) => b.kind)).toEqual(expect.arrayContaining(['iam-statement', 'iam-statement']));
    expect(items.some((b) => b.description.includes('s3:GetObject on arn:aws:s3:::raw/*'))).toBe(true);
  });

  test('fingerprints are stable across computations and differ between stacks of the tree', () => {
    const proposed = changed((r) =>
      jobStatements(r).push({
        Effect: 'Allow',
        Action: 'iam:*',
        Resource: '*',
      }),
    );
    const [first] = securityBroadening(base(), proposed);
    const [again] = securityBroadening(structuredClone(base()), structuredClone(proposed));
    const [nested] = securityBroadening(base(), proposed, { stackPath: ['Tables'] });
    expect(first?.id).toMatch(/^[0-9a-f]{20}$/);
    expect(again?.id).toBe(first?.id);
    expect(nested?.id).not.toBe(first?.id);
    expect(nested?.stackPath).toEqual(['Tables']);
  });
});

describe('templateDiffReport', () => {
  test('gives the cdk-diff text without colours, with the change set sharpening the resource impact', () => {
    const proposed = changed((r) =>
      jobStatements(r).push({
        Effect: 'Allow',
        Action: 'iam:*',
        Resource: '*',
      }),
    );
    const changes = [
      {
        Type: 'Resource' as const,
        ResourceChange: {
          Action: 'Modify' as const,
          LogicalResourceId: 'JobRole',
          ResourceType: 'AWS::IAM::Role',
          Replacement: 'False' as const,
          Details: [
            {
              Target: { Attribute: 'Properties' as const, Name: 'Policies', RequiresRecreation: 'Never' as const },
              Evaluation: 'Static' as const,
            },
          ],
        },
      },
    ];
    const report = templateDiffReport(base(), proposed, { changes });
    expect(report.text).toContain('IAM Statement Changes');
    expect(report.text).toContain('[~] AWS::IAM::Role JobRole');
    expect(report.text).not.toContain(String.fromCharCode(27));
    expect(report.broadening).toHaveLength(1);
  });
});

describe('judgeBroadening', () => {
  const items = securityBroadening(
    base(),
    changed((r) =>
      jobStatements(r).push({
        Effect: 'Allow',
        Action: 'iam:*',
        Resource: '*',
      }),
    ),
  );
  const hint = { stackName: 'glue-cd-glue-etl-prod', plansPrefix: 's3://staging/plans/glue-cd-glue-etl-prod/' };

  test('fail refuses every broadening and says how to approve', () => {
    const verdict = judgeBroadening(items, 'fail', undefined, hint);
    expect(verdict.refused).toEqual(items);
    expect(verdict.reason).toContain('to approve: run the pipeline with "action": "plan"');
    expect(verdict.reason).toContain('"approvedPlan": "s3://staging/plans/glue-cd-glue-etl-prod/<execution>.json"');
  });

  test('allow refuses nothing; nothing to refuse is fine under any policy', () => {
    expect(judgeBroadening(items, 'allow').refused).toEqual([]);
    expect(judgeBroadening([], 'fail').refused).toEqual([]);
  });

  test('approve accepts exactly what the approved plan lists', () => {
    const url = 's3://staging/plans/glue-cd-glue-etl-prod/plan-1.json';
    expect(judgeBroadening(items, 'approve', { url, approvedIds: new Set(items.map((b) => b.id)) }).refused).toEqual(
      [],
    );
    const missing = judgeBroadening(items, 'approve', { url, approvedIds: new Set(['other']) }, hint);
    expect(missing.refused).toEqual(items);
    expect(missing.reason).toContain(`1 of 1 security broadenings are not in approvedPlan ${url}`);
    expect(judgeBroadening(items, 'approve', undefined, hint).reason).toContain('no approvedPlan is given');
    expect(judgeBroadening(items, 'approve', { url, problem: 'it does not exist' }).reason).toBe(
      `approvedPlan ${url} cannot be used: it does not exist`,
    );
  });
});
