// What config/esbuild-plugins.cjs does to core in a bundle: the service spec is a table, which must say what the
// installed database says (as it does for the unbundled core in jest and in the processes scripts/register-ts.cjs
// starts); the template diff, the YAML parser and the plan schema are lazy chunks beside the bundle, and behave as the
// unbundled core the other tests run.
import {
  parseDeployInput,
  parsePlanDocument,
  parseTemplateBody,
  templateDiffReport,
  type TemplateDocument,
} from '@glue-cd/core';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  installedSpecModule,
  installedSpecTable,
  loadInstalledSpec,
  REPO_ROOT,
  SPEC_PACKAGE,
  SPEC_TABLE_FILE,
  specTableCode,
} from '../../../scripts/spec-table';
import { bundleAsServices } from './support/bundle';

interface SpecResource {
  cloudFormationType: string;
  scrutinizable?: string;
  properties: Record<string, { causesReplacement?: string; scrutinizable?: string }>;
}

/** The facts cloudformation-diff reads from a resource model. */
const facts = (resource: SpecResource | undefined) =>
  resource && {
    scrutinizable: resource.scrutinizable,
    properties: Object.fromEntries(
      Object.entries(resource.properties).map(([name, p]) => [
        name,
        {
          causesReplacement:
            p.causesReplacement === 'yes' || p.causesReplacement === 'maybe' ? p.causesReplacement : undefined,
          scrutinizable: p.scrutinizable,
        },
      ]),
    ),
  };

/** templateDiffReport of the core as jest loads it, but with the installed database behind cloudformation-diff. */
const reportFromDatabase = (...args: Parameters<typeof templateDiffReport>): ReturnType<typeof templateDiffReport> => {
  let report: ReturnType<typeof templateDiffReport> | undefined;
  jest.isolateModules(() => {
    jest.doMock(SPEC_PACKAGE, () => installedSpecModule());
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    report = (require('@glue-cd/core') as typeof import('@glue-cd/core')).templateDiffReport(...args);
  });
  jest.dontMock(SPEC_PACKAGE);
  return report!;
};

describe('the embedded service spec table', () => {
  const spec = loadInstalledSpec() as unknown as {
    all(entity: 'resource'): SpecResource[];
  };
  const text = readFileSync(SPEC_TABLE_FILE, 'utf8');

  it('is the table of the installed @aws-cdk/aws-service-spec (pnpm spec-table rewrites it)', () => {
    expect(text === installedSpecTable()).toBe(true);
  });

  it('answers every resource type as the database does', () => {
    const table = specTableCode.databaseFromTable(text.trimEnd());
    const resources = spec.all('resource');
    expect(resources.length).toBeGreaterThan(1000);
    const differing = resources.filter(
      (resource) =>
        JSON.stringify(facts(resource)) !==
        JSON.stringify(
          facts(
            table.lookup('resource', 'cloudFormationType', 'equals', resource.cloudFormationType)[0] as SpecResource,
          ),
        ),
    );
    expect(differing.map((r) => r.cloudFormationType)).toEqual([]);
    expect(table.lookup('resource', 'cloudFormationType', 'equals', 'Custom::Thing')).toEqual([]);
  });

  describe('bundled', () => {
    let dir: string;
    let bundled: {
      templateDiffReport: typeof templateDiffReport;
      parseTemplateBody: typeof parseTemplateBody;
      parsePlanDocument: typeof parsePlanDocument;
      ConfigurationError: ErrorConstructor;
    };

    beforeAll(async () => {
      dir = await bundleAsServices(
        `export { ConfigurationError, parsePlanDocument, parseTemplateBody, templateDiffReport } from ${JSON.stringify(path.join(REPO_ROOT, 'packages/core/src'))};\n`,
        { prefix: 'glue-cd-spec-table-', nodePath: path.join(REPO_ROOT, 'packages/core/node_modules') },
      );
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      bundled = require(path.join(dir, 'bundle.js')) as typeof bundled;
    });

    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const before: TemplateDocument = {
      Resources: {
        Raw: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'raw-a', Tags: [] } },
        JobRole: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: {
              Statement: [{ Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole' }],
            },
            Policies: [
              {
                PolicyName: 'job',
                PolicyDocument: {
                  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::raw/*' }],
                },
              },
            ],
          },
        },
        Group: { Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'job', SecurityGroupIngress: [] } },
        Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
      },
    };
    const after: TemplateDocument = {
      Resources: {
        // BucketName replaces the bucket, Tags update it in place.
        Raw: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'raw-b', Tags: [{ Key: 'a', Value: 'b' }] } },
        JobRole: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: {
              Statement: [{ Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole' }],
            },
            Policies: [
              {
                PolicyName: 'job',
                PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] },
              },
            ],
            ManagedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'],
          },
        },
        Group: {
          Type: 'AWS::EC2::SecurityGroup',
          Properties: {
            GroupDescription: 'job',
            SecurityGroupIngress: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '0.0.0.0/0' }],
          },
        },
        TopicPolicy: {
          Type: 'AWS::SNS::TopicPolicy',
          Properties: {
            Topics: [{ Ref: 'Topic' }],
            PolicyDocument: { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sns:Publish', Resource: '*' }] },
          },
        },
        Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
      },
    };

    it('loads the diff, the YAML parser and the plan schema from files of their own beside the bundle', () => {
      expect(
        readdirSync(dir)
          .filter((name) => name.endsWith('.js'))
          .sort(),
      ).toEqual(['bundle.cloudformation-diff.js', 'bundle.js', 'bundle.plan-schema.js', 'bundle.yaml.js']);
      expect(readFileSync(path.join(dir, 'bundle.js'), 'utf8')).not.toMatch(
        /YAMLParseError|loadResourceModel|PlanDocumentSchema/,
      );
      expect(
        bundled.parseTemplateBody(
          'Resources:\n  Raw:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref Name\n',
        ),
      ).toEqual({
        Resources: { Raw: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { Ref: 'Name' } } } },
      });
    });

    it("refuses a bad plan with the bundle's own ConfigurationError, as unbundled", () => {
      const bad = { kind: 'glue-cd-plan', version: 1 };
      let thrown: unknown;
      try {
        bundled.parsePlanDocument(bad, 's3://b/plans/x.json');
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(bundled.ConfigurationError);
      expect(() => parsePlanDocument(bad, 's3://b/plans/x.json')).toThrow((thrown as Error).message);
    });

    let fromDatabase: ReturnType<typeof templateDiffReport> | undefined;
    const expectedReport = () => (fromDatabase ??= reportFromDatabase(before, after));

    it('gives the same broadening and text as the database', () => {
      const expected = expectedReport();
      expect(expected.broadening.map((b) => b.kind).sort()).toEqual([
        'iam-statement',
        'iam-statement',
        'managed-policy',
        'security-group-ingress',
      ]);
      expect(expected.text).toMatch(/BucketName \(requires replacement\)/);
      expect(bundled.templateDiffReport(before, after)).toEqual(expected);
    });

    it('stands in for the database in jest and in the processes run-ts starts, with the same diff', () => {
      // Arrange
      const table = path.join(REPO_ROOT, 'config/aws-service-spec-embedded.cjs');
      const work = mkdtempSync(path.join(tmpdir(), 'glue-cd-spec-stand-in-'));
      const script = path.join(work, 'diff.ts');
      writeFileSync(
        script,
        [
          `const { templateDiffReport } = require(${JSON.stringify(path.join(REPO_ROOT, 'packages/core/src'))});`,
          `const [before, after] = JSON.parse(${JSON.stringify(JSON.stringify([before, after]))});`,
          'const report = templateDiffReport(before, after);',
          "const database = Object.keys(require.cache).filter((file) => file.includes('aws-service-spec/lib'));",
          `process.stdout.write(JSON.stringify({ resolved: require.resolve(${JSON.stringify(SPEC_PACKAGE)}), database, report }));`,
        ].join('\n'),
      );

      // Act
      const child = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts/run-ts.cjs'), script], {
        encoding: 'utf8',
      });
      rmSync(work, { recursive: true, force: true });

      // Assert
      expect(require.resolve(SPEC_PACKAGE)).toBe(table);
      expect(templateDiffReport(before, after)).toEqual(expectedReport());
      expect(child.stderr).toBe('');
      expect(JSON.parse(child.stdout)).toEqual({
        resolved: table,
        database: [],
        report: expectedReport(),
      });
    });
  });
});

describe('the schemas a Lambda parses with, bundled', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await bundleAsServices(
      `export { parseDeployInput } from ${JSON.stringify(path.join(REPO_ROOT, 'packages/core/src/deploy-input'))};\n`,
      { prefix: 'glue-cd-bundled-schemas-', nodePath: path.join(REPO_ROOT, 'packages/core/node_modules') },
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("hold zod/mini only, and name what is wrong in classic zod's English", () => {
    const bundle = readFileSync(path.join(dir, 'bundle.js'), 'utf8');
    expect(bundle).toContain('"ZodMiniType"');
    expect(bundle).not.toContain('"ZodType"');
    // A process of its own: zod keeps its locale on globalThis, which this test's classic zod has set already.
    const script = [
      `const { parseDeployInput } = require(${JSON.stringify(path.join(dir, 'bundle.js'))});`,
      "try { parseDeployInput({ environmentName: 'test', action: 'plan', tags: [] }); } catch (error) {",
      '  process.stdout.write(error.message);',
      '}',
    ].join('\n');
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    let unbundled = '';
    try {
      parseDeployInput({ environmentName: 'test', action: 'plan', tags: [] });
    } catch (error) {
      unbundled = (error as Error).message;
    }
    expect(unbundled).toMatch(/stackName: Invalid input: expected string, received undefined/);
    expect(run.stdout).toBe(unbundled);
  });
});
