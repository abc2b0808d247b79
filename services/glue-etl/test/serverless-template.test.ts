import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

// The content version of glue-jobs/ that the template's job locations carry (scripts/glue-jobs-version.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { glueJobsVersion } = require('../../../scripts/glue-jobs-version.js') as { glueJobsVersion: () => string };
import {
  type PolicyStatement,
  type Template,
  makeResolver,
  namedTypes,
  packageStage,
  parseS3Url,
  physicalNameExpression,
  policyStatements,
  repoRoot,
  resourceOf,
  resourcesOfType,
  roleAllows,
  toList,
} from './cloudformation';
import { GLUE_ETL_TEST_BUCKET } from '../../../test/support/packagings';

const account = '111122223333';
const region = 'eu-west-1';
const stages = ['test', 'prod'] as const;
type Stage = (typeof stages)[number];

// The test stage in its own deployment bucket (the run's warm-up, shared with the tests that deploy it); prod in
// another one, proving GLUE_CD_DEPLOYMENT_BUCKET wins over the default (test/support/packagings.ts).
const deploymentBuckets: Record<Stage, string> = { test: 'glue-cd-deployments-test', prod: GLUE_ETL_TEST_BUCKET };

const templates = {} as Record<Stage, Template>;
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'glue-etl-package-'));
  await Promise.all(
    stages.map(async (stage) => {
      templates[stage] = await packageStage(stage, path.join(workDir, stage), deploymentBuckets[stage]);
    }),
  );
}, 120_000);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const stackNameOf = (stage: Stage): string => `glue-cd-glue-etl-${stage}`;
const resolverFor = (stage: Stage, stackName = stackNameOf(stage)) =>
  makeResolver(templates[stage], { stackName, accountId: account, region });
const resolvedProperties = (stage: Stage, logicalId: string): Record<string, unknown> =>
  resolverFor(stage)(resourceOf(templates[stage], logicalId).Properties) as Record<string, unknown>;
const resolvedName = (stage: Stage, logicalId: string, stackName = stackNameOf(stage)): string =>
  resolverFor(stage, stackName)(physicalNameExpression(resourceOf(templates[stage], logicalId))) as string;

const expectedOutputs = {
  RawBucketName: ['RawBucket', 'AWS::S3::Bucket'],
  DataLakeBucketName: ['DataLakeBucket', 'AWS::S3::Bucket'],
  AthenaResultsBucketName: ['AthenaResultsBucket', 'AWS::S3::Bucket'],
  RawDatabaseName: ['RawDatabase', 'AWS::Glue::Database'],
  DataLakeDatabaseName: ['DataLakeDatabase', 'AWS::Glue::Database'],
  RawCrawlerName: ['RawCrawler', 'AWS::Glue::Crawler'],
  DataLakeCrawlerName: ['DataLakeCrawler', 'AWS::Glue::Crawler'],
  JobName: ['NycTaxiJob', 'AWS::Glue::Job'],
  AthenaWorkGroupName: ['AthenaWorkGroup', 'AWS::Athena::WorkGroup'],
} as const;

describe.each(stages)('glue-etl packaged for stage %s', (stage) => {
  const template = (): Template => templates[stage];

  it('is an application stack without Lambda functions', () => {
    const types = new Set(Object.values(template().Resources).map((resource) => resource.Type));
    expect([...types].filter((type) => type.startsWith('AWS::Lambda::'))).toEqual([]);
    expect(types).toEqual(
      new Set([
        'AWS::S3::Bucket',
        'AWS::S3::BucketPolicy',
        'AWS::Glue::Database',
        'AWS::Glue::Crawler',
        'AWS::Glue::Job',
        'AWS::IAM::Role',
        'AWS::Athena::WorkGroup',
      ]),
    );
  });

  it('has the three buckets, each encrypted and closed to the public', () => {
    const buckets = resourcesOfType(template(), 'AWS::S3::Bucket');
    expect(buckets.map(([id]) => id).sort()).toEqual(['AthenaResultsBucket', 'DataLakeBucket', 'RawBucket']);
    for (const [, bucket] of buckets) {
      const rules = (bucket.Properties?.BucketEncryption as { ServerSideEncryptionConfiguration: unknown[] })
        .ServerSideEncryptionConfiguration as { ServerSideEncryptionByDefault: { SSEAlgorithm: string } }[];
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules)
        expect(['AES256', 'aws:kms']).toContain(rule.ServerSideEncryptionByDefault.SSEAlgorithm);
      expect(bucket.Properties?.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
  });

  it('denies every non-TLS request to every bucket and its objects', () => {
    const resolve = resolverFor(stage);
    const policies = resourcesOfType(template(), 'AWS::S3::BucketPolicy');
    for (const [bucketId] of resourcesOfType(template(), 'AWS::S3::Bucket')) {
      const bucketArn = `arn:aws:s3:::${resolvedName(stage, bucketId)}`;
      const tlsDenials = policies
        .filter(([, policy]) => resolve(policy.Properties?.Bucket) === resolvedName(stage, bucketId))
        .flatMap(([, policy]) => (policy.Properties?.PolicyDocument as { Statement: PolicyStatement[] }).Statement)
        .filter(
          (statement) =>
            statement.Effect === 'Deny' &&
            statement.Principal === '*' &&
            toList(statement.Action).includes('s3:*') &&
            String(statement.Condition?.Bool?.['aws:SecureTransport']) === 'false',
        );
      expect(tlsDenials).toHaveLength(1);
      expect(toList(resolve(tlsDenials[0]?.Resource))).toEqual(expect.arrayContaining([bucketArn, `${bucketArn}/*`]));
    }
  });

  it('keeps versions of the curated data', () => {
    expect(resourceOf(template(), 'DataLakeBucket').Properties?.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  it('grants no wildcard action and no account-wide S3 or Glue access', () => {
    const statements = policyStatements(template());
    expect(statements.length).toBeGreaterThan(0);
    const wildcardActions = statements.filter(({ statement }) => toList(statement.Action).some((a) => a.includes('*')));
    // The only wildcard allowed is the TLS-only Deny, which must cover every action.
    for (const { statement } of wildcardActions) {
      expect(statement.Effect).toBe('Deny');
      expect(String(statement.Condition?.Bool?.['aws:SecureTransport'])).toBe('false');
    }
    const unscoped = statements.filter(
      ({ statement }) =>
        toList(statement.Resource).includes('*') && toList(statement.Action).some((a) => /^(s3|glue):/i.test(a)),
    );
    expect(unscoped).toEqual([]);
    // Resource "*" only for actions AWS cannot scope, and then narrowed by a condition.
    for (const { statement } of statements.filter(({ statement }) => toList(statement.Resource).includes('*'))) {
      expect(statement.Condition).toBeDefined();
    }
    for (const [, role] of resourcesOfType(template(), 'AWS::IAM::Role')) {
      expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('lets each crawler read only its own prefix and write only its own database', () => {
    const resolve = resolverFor(stage);
    const raw = resolvedName(stage, 'RawBucket');
    const lake = resolvedName(stage, 'DataLakeBucket');
    const rawDb = resolvedName(stage, 'RawDatabase');
    const lakeDb = resolvedName(stage, 'DataLakeDatabase');
    const table = (db: string) => `arn:aws:glue:${region}:${account}:table/${db}/yellow_tripdata`;
    const allows = (role: string, action: string, arn: string) => roleAllows(template(), resolve, role, action, arn);

    expect(allows('RawCrawlerRole', 's3:GetObject', `arn:aws:s3:::${raw}/nyc-taxi/yellow_tripdata/2024-01.csv`)).toBe(
      true,
    );
    expect(
      allows('RawCrawlerRole', 's3:GetObject', `arn:aws:s3:::${lake}/nyc-taxi/yellow_tripdata/part-0.parquet`),
    ).toBe(false);
    expect(allows('RawCrawlerRole', 's3:PutObject', `arn:aws:s3:::${raw}/nyc-taxi/yellow_tripdata/2024-01.csv`)).toBe(
      false,
    );
    expect(allows('RawCrawlerRole', 'glue:CreateTable', table(rawDb))).toBe(true);
    expect(allows('RawCrawlerRole', 'glue:CreateTable', table(lakeDb))).toBe(false);
    expect(allows('RawCrawlerRole', 'glue:DeleteDatabase', `arn:aws:glue:${region}:${account}:database/${rawDb}`)).toBe(
      false,
    );

    expect(
      allows('DataLakeCrawlerRole', 's3:GetObject', `arn:aws:s3:::${lake}/nyc-taxi/yellow_tripdata/part-0.parquet`),
    ).toBe(true);
    expect(
      allows('DataLakeCrawlerRole', 's3:GetObject', `arn:aws:s3:::${lake}/rejects/nyc-taxi/yellow_tripdata/x.csv`),
    ).toBe(false);
    expect(
      allows('DataLakeCrawlerRole', 's3:GetObject', `arn:aws:s3:::${raw}/nyc-taxi/yellow_tripdata/2024-01.csv`),
    ).toBe(false);
    expect(allows('DataLakeCrawlerRole', 'glue:UpdateTable', table(lakeDb))).toBe(true);
    expect(allows('DataLakeCrawlerRole', 'glue:UpdateTable', table(rawDb))).toBe(false);

    for (const role of ['RawCrawlerRole', 'DataLakeCrawlerRole']) {
      expect(
        allows(
          role,
          'logs:PutLogEvents',
          `arn:aws:logs:${region}:${account}:log-group:/aws-glue/crawlers:log-stream:x`,
        ),
      ).toBe(true);
      expect(allows(role, 'logs:PutLogEvents', `arn:aws:logs:${region}:${account}:log-group:/other:log-stream:x`)).toBe(
        false,
      );
    }
  });

  it('points the crawlers at the documented prefixes of this stack and its databases', () => {
    const rawCrawler = resolvedProperties(stage, 'RawCrawler');
    const lakeCrawler = resolvedProperties(stage, 'DataLakeCrawler');
    expect(rawCrawler.Targets).toEqual({
      S3Targets: [{ Path: `s3://${resolvedName(stage, 'RawBucket')}/nyc-taxi/yellow_tripdata/` }],
    });
    expect(rawCrawler.DatabaseName).toBe(resolvedName(stage, 'RawDatabase'));
    expect(lakeCrawler.Targets).toEqual({
      S3Targets: [{ Path: `s3://${resolvedName(stage, 'DataLakeBucket')}/nyc-taxi/yellow_tripdata/` }],
    });
    expect(lakeCrawler.DatabaseName).toBe(resolvedName(stage, 'DataLakeDatabase'));
    for (const crawler of [rawCrawler, lakeCrawler]) {
      // Never drop tables from the catalog because a prefix was briefly empty.
      expect((crawler.SchemaChangePolicy as { DeleteBehavior: string }).DeleteBehavior).not.toBe(
        'DELETE_FROM_DATABASE',
      );
    }
  });

  it('runs the NYC taxi job from glue-jobs/ with the documented arguments', () => {
    const job = resolvedProperties(stage, 'NycTaxiJob');
    const command = job.Command as { Name: string; PythonVersion: string; ScriptLocation: string };
    const args = job.DefaultArguments as Record<string, string>;
    const raw = resolvedName(stage, 'RawBucket');
    const lake = resolvedName(stage, 'DataLakeBucket');

    expect(command.Name).toBe('glueetl');
    expect(command.PythonVersion).toBe('3');
    expect(['4.0', '5.0']).toContain(job.GlueVersion);
    expect(job.MaxRetries).toBe(0);
    expect(job.Role).toBe(resolverFor(stage)({ 'Fn::GetAtt': ['JobRole', 'Arn'] }));
    expect(command.ScriptLocation).toBe(
      `s3://${deploymentBuckets[stage]}/glue-jobs/${glueJobsVersion()}/nyc-taxi/job.py`,
    );
    expect(args).toMatchObject({
      '--source_path': `s3://${raw}/nyc-taxi/yellow_tripdata/`,
      '--target_path': `s3://${lake}/nyc-taxi/yellow_tripdata/`,
      '--rejects_path': `s3://${lake}/rejects/nyc-taxi/yellow_tripdata/`,
      '--mapping_path': `s3://${deploymentBuckets[stage]}/glue-jobs/${glueJobsVersion()}/nyc-taxi/mapping.json`,
      '--job-language': 'python',
      '--enable-continuous-cloudwatch-log': 'true',
    });
    expect(args).toHaveProperty('--enable-metrics');
  });

  it('references job files that exist in the repository under the same keys', () => {
    const job = resolvedProperties(stage, 'NycTaxiJob');
    const script = parseS3Url((job.Command as { ScriptLocation: string }).ScriptLocation);
    const mapping = parseS3Url((job.DefaultArguments as Record<string, string>)['--mapping_path'] as string);
    const keys = [script.key, mapping.key];
    const prefix = `glue-jobs/${glueJobsVersion()}/`;
    for (const key of keys) expect(key.startsWith(prefix)).toBe(true);
    // The pipeline uploads glue-jobs/ under its content version, so a key without a file in the repo is a job that cannot start.
    const files = keys.map((key) => path.join(repoRoot, 'glue-jobs', key.slice(prefix.length)));
    expect(files.filter((file) => !existsSync(file))).toEqual([]);
  });

  it('lets the job read raw data and its files, and write only the curated and rejects prefixes', () => {
    const resolve = resolverFor(stage);
    const raw = resolvedName(stage, 'RawBucket');
    const lake = resolvedName(stage, 'DataLakeBucket');
    const job = resolvedProperties(stage, 'NycTaxiJob');
    const args = job.DefaultArguments as Record<string, string>;
    const objectArn = (url: string, file: string) => {
      const { bucket, key } = parseS3Url(url);
      return `arn:aws:s3:::${bucket}/${key}${file}`;
    };
    const allows = (action: string, arn: string) => roleAllows(template(), resolve, 'JobRole', action, arn);

    expect(allows('s3:GetObject', objectArn(args['--source_path'] as string, '2024-01.csv'))).toBe(true);
    expect(
      allows(
        's3:GetObject',
        `arn:aws:s3:::${deploymentBuckets[stage]}/${parseS3Url((job.Command as { ScriptLocation: string }).ScriptLocation).key}`,
      ),
    ).toBe(true);
    expect(allows('s3:GetObject', objectArn(args['--mapping_path'] as string, ''))).toBe(true);
    expect(allows('s3:GetObject', `arn:aws:s3:::${deploymentBuckets[stage]}/serverless/other-service/code.zip`)).toBe(
      false,
    );
    expect(allows('s3:PutObject', objectArn(args['--target_path'] as string, 'part-0.parquet'))).toBe(true);
    expect(allows('s3:PutObject', objectArn(args['--rejects_path'] as string, 'part-0.csv'))).toBe(true);
    expect(allows('s3:PutObject', `arn:aws:s3:::${raw}/nyc-taxi/yellow_tripdata/2024-01.csv`)).toBe(false);
    expect(allows('s3:PutObject', `arn:aws:s3:::${lake}/somewhere-else/file`)).toBe(false);
    expect(allows('s3:DeleteObject', `arn:aws:s3:::${raw}/nyc-taxi/yellow_tripdata/2024-01.csv`)).toBe(false);
    expect(
      allows('logs:PutLogEvents', `arn:aws:logs:${region}:${account}:log-group:/aws-glue/jobs/logs-v2:log-stream:x`),
    ).toBe(true);
  });

  it('sends Athena results, encrypted, to the results bucket and enforces that', () => {
    const workGroup = resolvedProperties(stage, 'AthenaWorkGroup');
    const configuration = workGroup.WorkGroupConfiguration as {
      EnforceWorkGroupConfiguration: boolean;
      ResultConfiguration: { OutputLocation: string; EncryptionConfiguration?: { EncryptionOption: string } };
    };
    expect(workGroup.RecursiveDeleteOption).toBe(true);
    expect(configuration.EnforceWorkGroupConfiguration).toBe(true);
    expect(configuration.ResultConfiguration.OutputLocation).toBe(
      `s3://${resolvedName(stage, 'AthenaResultsBucket')}/results/`,
    );
    expect(['SSE_S3', 'SSE_KMS', 'CSE_KMS']).toContain(
      configuration.ResultConfiguration.EncryptionConfiguration?.EncryptionOption,
    );
  });

  it('exports every output the live test and the pipeline read', () => {
    const outputs = template().Outputs ?? {};
    const resolve = resolverFor(stage);
    for (const [output, [logicalId, type]] of Object.entries(expectedOutputs)) {
      expect(outputs[output]).toBeDefined();
      expect(resourceOf(template(), logicalId).Type).toBe(type);
      expect(resolve(outputs[output]?.Value)).toBe(resolvedName(stage, logicalId));
    }
  });

  it('derives every physical name from the stack name, so two stacks of one account never collide', () => {
    const blue = stackNameOf(stage);
    const green = `${blue}-g7f3a`;
    const named = Object.entries(template().Resources).filter(
      ([, resource]) => namedTypes.includes(resource.Type) && physicalNameExpression(resource) !== undefined,
    );
    expect(named.length).toBeGreaterThanOrEqual(9);
    const namesOf = (stackName: string) => named.map(([id]) => resolvedName(stage, id, stackName));
    const blueNames = namesOf(blue);
    const greenNames = namesOf(green);
    for (const name of greenNames) expect(blueNames).not.toContain(name);
    expect(new Set(blueNames).size).toBe(blueNames.length);

    const exportsOf = (stackName: string) =>
      Object.values(template().Outputs ?? {})
        .filter((output) => output.Export)
        .map((output) => makeResolver(template(), { stackName, accountId: account, region })(output.Export?.Name));
    for (const name of exportsOf(green)) expect(exportsOf(blue)).not.toContain(name);
  });

  it('keeps physical names valid for their services, even for a blue/green stack name', () => {
    const stackName = `${stackNameOf(stage)}-g7f3a`;
    for (const [id] of resourcesOfType(template(), 'AWS::S3::Bucket')) {
      const name = resolvedName(stage, id, stackName);
      expect(name).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
      expect(name).toContain(account);
    }
    for (const [id] of resourcesOfType(template(), 'AWS::Glue::Database')) {
      // Athena wants lower-case names without '-'.
      expect(resolvedName(stage, id, stackName)).toMatch(/^[a-z0-9_]+$/);
    }
  });
});

describe('data retention per stage', () => {
  const stateful = ['AWS::S3::Bucket', 'AWS::S3::BucketPolicy', 'AWS::Glue::Database', 'AWS::Glue::Table'];

  it.each([
    ['prod', 'Retain'],
    ['test', 'Delete'],
  ] as const)(
    '%s gives every bucket, bucket policy and database DeletionPolicy/UpdateReplacePolicy %s',
    (stage, policy) => {
      const resources = Object.entries(templates[stage].Resources).filter(([, r]) => stateful.includes(r.Type));
      expect(resources.map(([id]) => id).sort()).toEqual([
        'AthenaResultsBucket',
        'AthenaResultsBucketPolicy',
        'DataLakeBucket',
        'DataLakeBucketPolicy',
        'DataLakeDatabase',
        'RawBucket',
        'RawBucketPolicy',
        'RawDatabase',
      ]);
      for (const [id, resource] of resources) {
        expect({ id, deletion: resource.DeletionPolicy, replace: resource.UpdateReplacePolicy }).toEqual({
          id,
          deletion: policy,
          replace: policy,
        });
      }
    },
  );

  // Test is the rehearsal of prod: the same versioned buckets (emptyBuckets removes every version on cleanup).
  it.each(stages)('%s versions the raw and data-lake buckets', (stage) => {
    for (const id of ['RawBucket', 'DataLakeBucket']) {
      expect(resourceOf(templates[stage], id).Properties?.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    }
  });
});

describe.each(stages)('roles of stage %s', (stage) => {
  it('live under the environment’s role path and carry its permissions boundary', () => {
    const roles = resourcesOfType(templates[stage], 'AWS::IAM::Role');
    expect(roles.map(([id]) => id).sort()).toEqual(['DataLakeCrawlerRole', 'JobRole', 'RawCrawlerRole']);
    for (const [, role] of roles) {
      expect(role.Properties?.Path).toBe(`/glue-cd/${stage}/`);
      expect(role.Properties?.PermissionsBoundary).toEqual({
        'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy/glue-cd/glue-cd-${stage}-workload-boundary`,
      });
    }
  });

  it('lets the crawlers locate their bucket without a prefix condition (GetBucketLocation carries no prefix)', () => {
    for (const id of ['RawCrawlerRole', 'DataLakeCrawlerRole']) {
      const locate = policyStatements(templates[stage]).filter(
        ({ owner, statement }) => owner === id && toList(statement.Action).includes('s3:GetBucketLocation'),
      );
      expect(locate.map(({ statement }) => statement.Condition)).toEqual([undefined]);
    }
  });
});
