// The policy gate's rules (scripts/policy-rules.ts) and the IAM builders that refuse the same grants at package time
// (config/iam.js): each rule fails with its name and the logical id, and a clean template passes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseGateArgs, PolicyGateUsageError, runGate } from '../scripts/policy-gate';
import { checkTemplate, RULES, type Template, type TemplateResource } from '../scripts/policy-rules';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const iam = require('../config/iam.js') as {
  IamDeclarationError: new (message: string) => Error;
  allow: (sid: string, actions: string | string[], resources: unknown, condition?: unknown) => unknown;
  passRole: (sid: string, roles: unknown, services: string | string[]) => unknown;
  secureBucket: (id: string, options?: Record<string, unknown>) => Record<string, TemplateResource>;
  serviceRole: (options: Record<string, unknown>) => TemplateResource;
};

const role = (statements: unknown[], extra: Record<string, unknown> = {}): TemplateResource => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: {
      Statement: [{ Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    },
    Policies: [{ PolicyName: 'p', PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
    ...extra,
  },
});
const template = (resources: Record<string, TemplateResource>): Template => ({ Resources: resources });
const findingsOf = async (t: Template, kind = {}) =>
  (await checkTemplate(t, kind)).map(({ rule, logicalId }) => `${rule} ${logicalId}`);

describe('a clean template', () => {
  it('built with config/iam.js passes every rule, even as a protected application stack', async () => {
    const t = template({
      ...iam.secureBucket('Data', { versioned: true, retain: true }),
      Reader: role(
        [
          iam.allow('Read', 's3:GetObject', { 'Fn::Sub': '${Data.Arn}/*' }),
          iam.allow('Metrics', 'cloudwatch:PutMetricData', '*', {
            StringEquals: { 'cloudwatch:namespace': 'Glue' },
          }),
        ],
        { PermissionsBoundary: 'arn:aws:iam::111122223333:policy/glue-cd/boundary' },
      ),
    });
    expect(await findingsOf(t, { protected: true })).toEqual([]);
  });
});

describe('each rule names itself and the logical id', () => {
  const boundary = { PermissionsBoundary: 'arn:aws:iam::111122223333:policy/b' };
  const cases: [rule: keyof typeof RULES, t: Template, kind?: object][] = [
    [
      'bucket-encryption',
      template({
        B: {
          ...iam.secureBucket('B').B!,
          Properties: { ...iam.secureBucket('B').B!.Properties, BucketEncryption: {} },
        },
        BPolicy: iam.secureBucket('B').BPolicy!,
      }),
    ],
    [
      'bucket-public-access',
      template({
        B: {
          ...iam.secureBucket('B').B!,
          Properties: {
            ...iam.secureBucket('B').B!.Properties,
            PublicAccessBlockConfiguration: { BlockPublicAcls: true },
          },
        },
        BPolicy: iam.secureBucket('B').BPolicy!,
      }),
    ],
    ['bucket-tls-only', template({ B: iam.secureBucket('B').B! })],
    ['retain-stateful', template({ ...iam.secureBucket('B', { retain: false }) }), { protected: true }],
    [
      'retain-stateful',
      template({ Db: { Type: 'AWS::Glue::Database', DeletionPolicy: 'Retain', Properties: {} } }),
      { protected: true },
    ],
    [
      'role-boundary',
      template({ R: role([iam.allow('Read', 's3:GetObject', 'arn:aws:s3:::b/*')]) }),
      { application: true },
    ],
    [
      'no-wildcard-action',
      template({ R: role([{ Effect: 'Allow', Action: 's3:Get*', Resource: 'arn:aws:s3:::b/*' }]) }),
    ],
    ['no-wildcard-action', template({ R: role([{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }]) })],
    ['wildcard-resource', template({ R: role([{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]) })],
    [
      'passrole-conditioned',
      template({ R: role([{ Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::1:role/x' }]) }),
    ],
    [
      'role-permissions-bounded',
      template({ R: role([{ Effect: 'Allow', Action: ['iam:CreateRole'], Resource: 'arn:aws:iam::1:role/x/*' }]) }),
    ],
    [
      'attach-policy-named',
      template({
        R: role([
          {
            Effect: 'Allow',
            Action: 'iam:AttachRolePolicy',
            Resource: 'arn:aws:iam::1:role/x/*',
            Condition: { StringEquals: { 'iam:PermissionsBoundary': 'arn:aws:iam::1:policy/b' } },
          },
        ]),
      }),
    ],
    [
      'no-boundary-tampering',
      template({
        R: role([{ Effect: 'Allow', Action: 'iam:DeleteRolePermissionsBoundary', Resource: 'arn:aws:iam::1:role/x' }]),
      }),
    ],
    [
      'unknown-action',
      template({ R: role([{ Effect: 'Allow', Action: 's3:GetObjekt', Resource: 'arn:aws:s3:::b/*' }], boundary) }),
    ],
  ];

  it.each(cases)('%s', async (rule, t, kind = {}) => {
    const findings = await checkTemplate(t, kind);
    expect(findings.map((f) => f.rule)).toContain(rule);
    const finding = findings.find((f) => f.rule === rule)!;
    expect(Object.keys(t.Resources)).toContain(finding.logicalId);
  });

  it('a KMS key policy’s Resource "*" is the key itself, not every key', async () => {
    const keyPolicy = (statements: unknown[]): TemplateResource => ({
      Type: 'AWS::KMS::Key',
      Properties: { KeyPolicy: { Version: '2012-10-17', Statement: statements } },
    });
    const use = {
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'kms:Decrypt',
      Resource: '*',
    };
    expect(await findingsOf(template({ K: keyPolicy([use]) }))).toEqual([]);
    // The same grant in a role's policy is every key of the account.
    expect(await findingsOf(template({ R: role([{ ...use, Principal: undefined }]) }))).toEqual([
      'wildcard-resource R',
    ]);
    // The other rules still hold in a key policy.
    expect(await findingsOf(template({ K: keyPolicy([{ ...use, Action: 'kms:*' }]) }))).toEqual([
      'no-wildcard-action K',
    ]);
  });

  it('a Deny may use wildcards (the TLS-only rule must cover every action)', async () => {
    expect(await findingsOf(template(iam.secureBucket('B')))).toEqual([]);
  });
});

describe('the gate command line', () => {
  it('reads each template’s kind from the option before it', () => {
    expect(
      parseGateArgs(['a.json', '--application', 'b.json', '--protected', 'c.json', '--template', 'd.json']),
    ).toEqual([
      { file: 'a.json', kind: {} },
      { file: 'b.json', kind: { application: true } },
      { file: 'c.json', kind: { application: true, protected: true } },
      { file: 'd.json', kind: {} },
    ]);
  });

  it.each([[[]], [['--protected']], [['--nope', 'a.json']]])('refuses %j with the usage', (args) => {
    expect(() => parseGateArgs(args)).toThrow(PolicyGateUsageError);
  });

  it('prints one line per finding with the rule, the file and the logical id', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'policy-gate-'));
    try {
      const file = path.join(dir, 'template.json');
      await writeFile(file, JSON.stringify(template({ B: iam.secureBucket('B').B! })));
      expect(await runGate([{ file, kind: {} }])).toEqual([
        `bucket-tls-only ${file}#B: no bucket policy denies s3:* on the bucket and its objects when aws:SecureTransport is false (${RULES['bucket-tls-only']})`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('config/iam.js refuses what the gate rejects, at package time', () => {
  it.each([
    ['a wildcard action', () => iam.allow('All', 's3:*', '*')],
    ['PassRole without iam:PassedToService', () => iam.allow('Pass', 'iam:PassRole', 'arn:aws:iam::1:role/x')],
    ['CreateRole without a boundary condition', () => iam.allow('Create', 'iam:CreateRole', 'arn:aws:iam::1:role/x')],
    ['boundary tampering', () => iam.allow('Tamper', 'iam:DeleteRolePermissionsBoundary', 'arn:aws:iam::1:role/x')],
    ['a non-alphanumeric Sid', () => iam.allow('not-ok', 's3:GetObject', 'arn:aws:s3:::b/*')],
    [
      'a role without statements',
      () => iam.serviceRole({ services: 'glue.amazonaws.com', policyName: 'p', statements: [] }),
    ],
  ])('%s', (_what, build) => {
    expect(build).toThrow(iam.IamDeclarationError);
  });

  it('passRole always carries the services it passes to', () => {
    expect(iam.passRole('Pass', 'arn:aws:iam::1:role/x', 'glue.amazonaws.com')).toEqual({
      Sid: 'Pass',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: 'arn:aws:iam::1:role/x',
      Condition: { StringEquals: { 'iam:PassedToService': 'glue.amazonaws.com' } },
    });
  });
});
