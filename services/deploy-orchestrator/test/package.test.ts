// `sls package` of this service works offline and yields the template the issue asks for.
import { spawnSync } from 'node:child_process';
import { deploymentBucketFor, packageService, withFolderLock } from '@glue-cd/release';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { taskHandlers } from '../src/handlers';
import { DELIVERY_STAGE } from '../../../test/support/packagings';

const serviceDir = path.resolve(__dirname, '..');
const repoRoot = path.resolve(serviceDir, '../..');
const sls = path.resolve(serviceDir, '../../node_modules/.bin/sls');

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}
interface Template {
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: unknown; Export?: { Name: string } }>;
}

/** Every IAM statement anywhere in the template (roles' inline policies and bucket policies). */
const statementsOf = (template: Template): { Action?: unknown; Effect?: string }[] =>
  Object.values(template.Resources).flatMap((resource) => {
    const documents = [
      ...((resource.Properties.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map(
        (p) => p.PolicyDocument,
      ),
      resource.Properties.PolicyDocument,
    ].filter((d): d is { Statement: { Action?: unknown }[] } => typeof d === 'object' && d !== null);
    return documents.flatMap((d) => d.Statement);
  });

// The release's stage (its package is the run's warm-up); every name below proves it comes from the stage.
const STAGE = DELIVERY_STAGE;

describe(`sls package --stage ${STAGE}`, () => {
  let outDir: string;
  let template: Template;

  beforeAll(async () => {
    outDir = mkdtempSync(path.join(tmpdir(), 'deploy-orchestrator-package-'));
    // Offline (no AWS_* variables), one packaging of the folder at a time.
    const deploymentBucket = deploymentBucketFor(STAGE);
    template = (await packageService({ repoRoot, serviceDir, stage: STAGE, outDir, deploymentBucket }))
      .template as Template;
  }, 300_000);

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  const functions = Object.keys(taskHandlers);
  const logicalId = (fn: string): string => `${fn.charAt(0).toUpperCase()}${fn.slice(1)}LambdaFunction`;

  it('defines the deploy state machine under its stage name, with its own role', () => {
    const machine = template.Resources.DeployStateMachine;
    expect(machine?.Type).toBe('AWS::StepFunctions::StateMachine');
    expect(machine?.Properties.StateMachineName).toBe(`glue-cd-deploy-${STAGE}`);
    expect(machine?.Properties.RoleArn).toEqual({ 'Fn::GetAtt': ['DeployStateMachineRole', 'Arn'] });
  });

  it('builds the DefinitionString from deploy.asl.yaml with every task function', () => {
    const definition = template.Resources.DeployStateMachine?.Properties.DefinitionString as {
      'Fn::Sub': [string, Record<string, unknown>];
    };
    const [body, substitutions] = definition['Fn::Sub'];
    expect(JSON.parse(body.replace(/\$\{[0-9a-f]+\}/g, 'arn')).StartAt).toBe('ValidateInput');
    const referenced = Object.values(substitutions).map(
      (v) => (v as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
    );
    expect(new Set(referenced)).toEqual(new Set(functions.map(logicalId)));
  });

  it('packages deploy.asl.yaml unchanged: the DefinitionString deep-equals the YAML with function references mapped back', () => {
    const [body, substitutions] = (
      template.Resources.DeployStateMachine?.Properties.DefinitionString as {
        'Fn::Sub': [string, Record<string, { 'Fn::GetAtt': [string, string] }>];
      }
    )['Fn::Sub'];
    // `${<hash>}` → the serverless function it names, as deploy.asl.yaml writes it: { Fn::GetAtt: [fn, Arn] }.
    const functionOf = Object.fromEntries(
      Object.entries(substitutions).map(
        ([
          name,
          {
            'Fn::GetAtt': [lambda, attribute],
          },
        ]) => [
          `\${${name}}`,
          { 'Fn::GetAtt': [functions.find((fn) => logicalId(fn) === lambda) ?? lambda, attribute] },
        ],
      ),
    );
    const packaged = JSON.parse(body, (_key, value: unknown) =>
      typeof value === 'string' && value in functionOf ? functionOf[value] : value,
    ) as { States: Record<string, Record<string, unknown>> };
    const source = parse(readFileSync(path.join(repoRoot, 'state-machines/deploy.asl.yaml'), 'utf8')) as {
      States: Record<string, Record<string, unknown>>;
    };
    // The plugin spells out the default query language on every state; any other value would be a real change.
    for (const [name, state] of Object.entries(packaged.States)) {
      if (state.QueryLanguage === 'JSONPath' && source.States[name]?.QueryLanguage === undefined) {
        delete state.QueryLanguage;
      }
    }
    expect(packaged).toStrictEqual(source);
  });

  it('gives every function its own role', () => {
    const roles = functions.map(
      (fn) => (template.Resources[logicalId(fn)]?.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0],
    );
    expect(roles).toHaveLength(functions.length);
    expect(new Set(roles).size).toBe(functions.length);
    for (const role of roles) expect(template.Resources[role ?? '']?.Type).toBe('AWS::IAM::Role');
  });

  it('names every action: no "*" Action in any grant (the only one is the TLS-only Deny)', () => {
    const statements = statementsOf(template);
    expect(statements.length).toBeGreaterThan(functions.length);
    const wildcards = statements.filter((s) =>
      (Array.isArray(s.Action) ? s.Action : [s.Action]).some((a) => typeof a !== 'string' || a.includes('*')),
    );
    expect(wildcards).toEqual([
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
  });

  it('lets the state machine invoke only its own task functions, and deliver only its logs and traces', () => {
    const [statement, ...others] = statementsOf({
      Resources: { R: template.Resources.DeployStateMachineRole as Resource },
      Outputs: {},
    });
    expect(others.map((s) => (s as { Sid?: string }).Sid)).toEqual(['DeliverExecutionLogs', 'WriteTraces']);
    expect(others.flatMap((s) => s.Action as string[]).every((a) => /^(logs|xray):/.test(a))).toBe(true);
    expect(statement).toMatchObject({ Effect: 'Allow', Action: ['lambda:InvokeFunction'] });
    const resources = (statement as { Resource: unknown[] }).Resource;
    expect(resources).toHaveLength(functions.length * 2);
    expect(resources).toEqual(
      expect.arrayContaining(functions.map((fn) => ({ 'Fn::GetAtt': [logicalId(fn), 'Arn'] }))),
    );
  });

  it('exports the state machine ARN and outputs its name', () => {
    expect(template.Outputs.DeployStateMachineArn).toEqual({
      Description: expect.any(String),
      Value: { Ref: 'DeployStateMachine' },
      Export: { Name: `glue-cd-deploy-orchestrator-${STAGE}-DeployStateMachineArn` },
    });
    expect(template.Outputs.DeployStateMachineName?.Value).toEqual({ 'Fn::GetAtt': ['DeployStateMachine', 'Name'] });
  });

  it('stages templates in an encrypted, private, TLS-only bucket that expires them', () => {
    const bucket = template.Resources.TemplateStagingBucket?.Properties;
    expect(bucket?.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(bucket?.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(JSON.stringify(bucket?.LifecycleConfiguration)).toContain('ExpirationInDays');
    expect(template.Resources.TemplateStagingBucketPolicy?.Properties).toEqual({
      Bucket: { Ref: 'TemplateStagingBucket' },
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: ['s3:*'],
            Resource: [
              { 'Fn::GetAtt': ['TemplateStagingBucket', 'Arn'] },
              { 'Fn::Sub': '${TemplateStagingBucket.Arn}/*' },
            ],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      },
    });
  });

  it('gives the tasks that judge and protect the permissions they call, and PassRole only to CloudFormation', () => {
    const actionsOf = (fn: string) =>
      statementsOf({
        Resources: { R: template.Resources[`${fn.charAt(0).toUpperCase()}${fn.slice(1)}Role`]! },
        Outputs: {},
      }).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actionsOf('createStack')).toEqual(
      expect.arrayContaining(['cloudformation:SetStackPolicy', 'cloudformation:UpdateTerminationProtection']),
    );
    expect(actionsOf('executeChangeSet')).toEqual(
      expect.arrayContaining([
        'cloudformation:GetStackPolicy',
        'cloudformation:SetStackPolicy',
        'cloudformation:UpdateTerminationProtection',
      ]),
    );
    expect(actionsOf('pollChangeSet')).toEqual(
      expect.arrayContaining(['cloudformation:GetTemplate', 's3:PutObject', 's3:GetObject']),
    );
    const passRole = statementsOf({ Resources: { R: template.Resources.CreateStackRole! }, Outputs: {} }).find((s) =>
      JSON.stringify(s.Action).includes('iam:PassRole'),
    ) as { Condition?: unknown } | undefined;
    expect(passRole?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } });
  });

  it('gives CloudFormation a service role per environment, which the task functions pass as RoleARN', () => {
    for (const role of ['CloudFormationRoleTest', 'CloudFormationRoleProd']) {
      const properties = template.Resources[role]?.Properties;
      expect(JSON.stringify(properties?.AssumeRolePolicyDocument)).toContain('cloudformation.amazonaws.com');
    }
    for (const fn of ['createStack', 'createChangeSet', 'pollChangeSet', 'deleteStack']) {
      const environment = template.Resources[logicalId(fn)]?.Properties.Environment as {
        Variables: Record<string, unknown>;
      };
      expect(environment.Variables.CLOUDFORMATION_ROLE_ARNS).toEqual({
        'Fn::Sub': '{"test":"${CloudFormationRoleTest.Arn}","prod":"${CloudFormationRoleProd.Arn}"}',
      });
    }
  });
});

describe('sls invoke local', () => {
  const invokeValidateInput = async (eventFile: string) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
    return withFolderLock(path.join(serviceDir, '.serverless-package.lock'), async () =>
      spawnSync(sls, ['invoke', 'local', '-f', 'validateInput', '--stage', 'test', '--path', eventFile], {
        cwd: serviceDir,
        env: { ...env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', POWERTOOLS_LOG_LEVEL: 'SILENT' },
        encoding: 'utf8',
        timeout: 120_000,
      }),
    );
  };

  it('runs validateInput on its example event', async () => {
    const result = await invokeValidateInput('events/validateInput.json');
    expect(result.status).toBe(0);
    // The handler's result is printed last, pretty-printed.
    const output = JSON.parse(result.stdout.slice(result.stdout.lastIndexOf('\n{\n') + 1)) as {
      executionName: string;
      input: unknown;
      protected: boolean;
    };
    const event = JSON.parse(readFileSync(path.join(serviceDir, 'events/validateInput.json'), 'utf8')) as {
      input: object;
    };
    expect(output.executionName).toBe('codepipeline-3f7c1a9e');
    // The environment decides what the input left open: test is not protected, so broadening is allowed.
    expect(output.input).toEqual({ ...event.input, onBroadening: 'allow' });
    expect(output.protected).toBe(false);
  }, 150_000);

  it('refuses the delete of production with the packaged PROTECTED_ENVIRONMENTS, before any AWS call', async () => {
    const result = await invokeValidateInput('events/validateInput.prod-delete.json');
    expect(result.stdout).toContain('"errorType": "ConfigurationError"');
    expect(result.stdout).toContain('[no-delete-in-protected-environment]');
  }, 150_000);
});
