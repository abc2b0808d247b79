import { AthenaClient, GetWorkGroupCommand } from '@aws-sdk/client-athena';
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import {
  GetCrawlerCommand,
  GetDatabaseCommand,
  GetJobCommand,
  GetTableCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { LocalCloud } from '../src';
import { removeDir, startTestCloud } from './helpers';

let cloud: LocalCloud;
let restore: () => void;
let cfn: CloudFormationClient;
let glue: GlueClient;
let athena: AthenaClient;
let secrets: SecretsManagerClient;

beforeAll(async () => {
  ({ cloud, restore } = await startTestCloud());
  cfn = new CloudFormationClient({});
  glue = new GlueClient({});
  athena = new AthenaClient({});
  secrets = new SecretsManagerClient({});
});

afterAll(async () => {
  for (const client of [cfn, glue, athena, secrets]) client.destroy();
  await cloud.close();
  restore();
  removeDir(cloud.stateDir);
});

const failure = (promise: Promise<unknown>): Promise<Error> =>
  promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as Error,
  );

/** Glue, Athena and Secrets Manager resources the way the Glue ETL stack (and the trigger's token key) declare them. */
const template = (version: string) => ({
  Parameters: { Workers: { Type: 'Number', Default: 2 } },
  Resources: {
    Db: {
      Type: 'AWS::Glue::Database',
      Properties: {
        CatalogId: { Ref: 'AWS::AccountId' },
        DatabaseInput: { Name: { 'Fn::Sub': '${AWS::StackName}_raw' }, Description: `raw ${version}` },
      },
    },
    Trips: {
      Type: 'AWS::Glue::Table',
      Properties: {
        CatalogId: { Ref: 'AWS::AccountId' },
        DatabaseName: { Ref: 'Db' },
        TableInput: {
          Name: 'Trips',
          TableType: 'EXTERNAL_TABLE',
          Parameters: { classification: 'csv', 'skip.header.line.count': '1' },
          StorageDescriptor: {
            Location: 's3://lake/trips/',
            Columns: [{ Name: 'id', Type: version === 'v1' ? 'int' : 'bigint' }],
            NumberOfBuckets: '-1',
            SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe' },
          },
        },
      },
    },
    Crawler: {
      Type: 'AWS::Glue::Crawler',
      Properties: {
        Name: { 'Fn::Sub': '${AWS::StackName}-raw' },
        Role: 'arn:aws:iam::000000000000:role/crawler',
        DatabaseName: { Ref: 'Db' },
        Description: `crawler ${version}`,
        Targets: { S3Targets: [{ Path: 's3://lake/trips/' }] },
        SchemaChangePolicy: { UpdateBehavior: 'UPDATE_IN_DATABASE', DeleteBehavior: 'LOG' },
        Schedule: { ScheduleExpression: 'cron(0 1 * * ? *)' },
      },
    },
    Job: {
      Type: 'AWS::Glue::Job',
      Properties: {
        Role: 'arn:aws:iam::000000000000:role/job',
        GlueVersion: '4.0',
        Command: {
          Name: 'glueetl',
          PythonVersion: '3',
          ScriptLocation: 's3://deploy/glue-jobs/1/nyc-taxi/job.py',
        },
        DefaultArguments: { '--source_path': `s3://lake/${version}/` },
        WorkerType: 'G.1X',
        NumberOfWorkers: { Ref: 'Workers' },
        Timeout: 30,
        ExecutionProperty: { MaxConcurrentRuns: 1 },
      },
    },
    WorkGroup: {
      Type: 'AWS::Athena::WorkGroup',
      Properties: {
        Name: { Ref: 'AWS::StackName' },
        Description: `queries ${version}`,
        State: 'ENABLED',
        RecursiveDeleteOption: true,
        WorkGroupConfiguration: {
          EnforceWorkGroupConfiguration: true,
          BytesScannedCutoffPerQuery: 10737418240,
          ResultConfiguration: { OutputLocation: `s3://results/${version}/` },
        },
      },
    },
    TokenKey: {
      Type: 'AWS::SecretsManager::Secret',
      Properties: {
        Description: 'continuation token key',
        GenerateSecretString: {
          SecretStringTemplate: JSON.stringify({ purpose: version }),
          GenerateStringKey: 'key',
          PasswordLength: 48,
          ExcludePunctuation: true,
        },
      },
    },
  },
  Outputs: {
    Database: { Value: { Ref: 'Db' } },
    Table: { Value: { Ref: 'Trips' } },
    Crawler: { Value: { Ref: 'Crawler' } },
    Job: { Value: { Ref: 'Job' } },
    WorkGroup: { Value: { Ref: 'WorkGroup' } },
    WorkGroupEngine: {
      Value: { 'Fn::GetAtt': ['WorkGroup', 'WorkGroupConfiguration.EngineVersion.EffectiveEngineVersion'] },
    },
    Secret: { Value: { Ref: 'TokenKey' } },
    SecretId: { Value: { 'Fn::GetAtt': ['TokenKey', 'Id'] } },
  },
});

const stack = async (name: string): Promise<Stack> => {
  await cloud.cloudFormation.waitForIdle();
  return (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!;
};
const outputs = (described: Stack): Record<string, string> =>
  Object.fromEntries((described.Outputs ?? []).map((output) => [output.OutputKey!, output.OutputValue!]));

/** What the local services hold for the stack's resources, read through the SDK. */
const resourcesOf = async (jobName: string) => ({
  database: (await glue.send(new GetDatabaseCommand({ Name: 'etl_raw' }))).Database,
  table: (await glue.send(new GetTableCommand({ DatabaseName: 'etl_raw', Name: 'trips' }))).Table,
  crawler: (await glue.send(new GetCrawlerCommand({ Name: 'etl-raw' }))).Crawler,
  job: (await glue.send(new GetJobCommand({ JobName: jobName }))).Job,
  workGroup: (await athena.send(new GetWorkGroupCommand({ WorkGroup: 'etl' }))).WorkGroup,
});

describe('local CloudFormation: Glue, Athena and Secrets Manager resources', () => {
  it('creates them in the local services with the Ref/GetAtt values AWS gives, updates them in place and deletes them', async () => {
    // Arrange
    const update = new UpdateStackCommand({
      StackName: 'etl',
      TemplateBody: JSON.stringify(template('v2')),
      Parameters: [{ ParameterKey: 'Workers', ParameterValue: '5' }],
    });

    // Act
    await cfn.send(new CreateStackCommand({ StackName: 'etl', TemplateBody: JSON.stringify(template('v1')) }));
    const created = await stack('etl');
    const values = outputs(created);
    const v1 = await resourcesOf(values.Job!);
    const secret = JSON.parse(
      (await secrets.send(new GetSecretValueCommand({ SecretId: values.Secret }))).SecretString!,
    );
    await cfn.send(update);
    const updated = await stack('etl');
    const v2 = await resourcesOf(values.Job!);
    const rotated = JSON.parse(
      (await secrets.send(new GetSecretValueCommand({ SecretId: values.Secret }))).SecretString!,
    );
    await cfn.send(new DeleteStackCommand({ StackName: 'etl' }));
    await cloud.cloudFormation.waitForIdle();
    const deleted = {
      database: await failure(glue.send(new GetDatabaseCommand({ Name: 'etl_raw' }))),
      crawler: await failure(glue.send(new GetCrawlerCommand({ Name: 'etl-raw' }))),
      job: await failure(glue.send(new GetJobCommand({ JobName: values.Job }))),
      workGroup: await failure(athena.send(new GetWorkGroupCommand({ WorkGroup: 'etl' }))),
      secret: await failure(secrets.send(new DescribeSecretCommand({ SecretId: values.Secret }))),
    };

    // Assert
    expect(created.StackStatus).toBe('CREATE_COMPLETE');
    expect(values).toMatchObject({
      Database: 'etl_raw',
      Table: 'trips',
      Crawler: 'etl-raw',
      Job: expect.stringMatching(/^etl-Job-[A-Z0-9]{12}$/),
      WorkGroup: 'etl',
      WorkGroupEngine: 'Athena engine version 3',
      Secret: expect.stringMatching(
        /^arn:aws:secretsmanager:us-east-1:000000000000:secret:TokenKey-[A-Z0-9]{12}-[\w-]{6}$/,
      ),
    });
    expect(values.SecretId).toBe(values.Secret);
    expect(v1.database?.Description).toBe('raw v1');
    expect(v1.table).toMatchObject({
      StorageDescriptor: { Columns: [{ Name: 'id', Type: 'int' }], NumberOfBuckets: -1 },
    });
    expect(v1.crawler).toMatchObject({
      Role: 'arn:aws:iam::000000000000:role/crawler',
      DatabaseName: 'etl_raw',
      State: 'READY',
      Schedule: { ScheduleExpression: 'cron(0 1 * * ? *)' },
    });
    expect(v1.job).toMatchObject({
      NumberOfWorkers: 2,
      MaxCapacity: 2,
      Timeout: 30,
      DefaultArguments: { '--source_path': 's3://lake/v1/' },
    });
    expect(v1.workGroup).toMatchObject({
      Description: 'queries v1',
      Configuration: {
        ResultConfiguration: { OutputLocation: 's3://results/v1/' },
        BytesScannedCutoffPerQuery: 10737418240,
      },
    });
    expect(secret).toEqual({ purpose: 'v1', key: expect.stringMatching(/^[A-Za-z0-9]{48}$/) });

    expect(updated.StackStatus).toBe('UPDATE_COMPLETE');
    expect(outputs(updated).Job).toBe(values.Job); // updated in place, not replaced
    expect(v2.database?.Description).toBe('raw v2');
    expect(v2.table).toMatchObject({
      VersionId: '1',
      StorageDescriptor: { Columns: [{ Name: 'id', Type: 'bigint' }] },
    });
    expect(v2.crawler).toMatchObject({
      Description: 'crawler v2',
      Version: 2,
    });
    expect(v2.job).toMatchObject({
      NumberOfWorkers: 5,
      DefaultArguments: { '--source_path': 's3://lake/v2/' },
    });
    expect(v2.workGroup).toMatchObject({
      Description: 'queries v2',
      Configuration: { ResultConfiguration: { OutputLocation: 's3://results/v2/' } },
    });
    expect(rotated).toMatchObject({ purpose: 'v2' });
    expect(rotated.key).not.toBe(secret.key);

    expect(deleted.database).toMatchObject({
      name: 'EntityNotFoundException',
    });
    expect(deleted.crawler).toMatchObject({
      name: 'EntityNotFoundException',
    });
    expect(deleted.job).toMatchObject({
      name: 'EntityNotFoundException',
    });
    expect(deleted.workGroup).toMatchObject({
      name: 'InvalidRequestException',
    });
    expect(deleted.secret).toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('fails the resource, and rolls the stack back, when the service refuses it (a table in a database that does not exist)', async () => {
    // Arrange
    const orphan = {
      Resources: {
        Table: {
          Type: 'AWS::Glue::Table',
          Properties: {
            CatalogId: '000000000000',
            DatabaseName: 'missing_db',
            TableInput: { Name: 'orphan' },
          },
        },
      },
    };

    // Act
    await cfn.send(new CreateStackCommand({ StackName: 'orphan', TemplateBody: JSON.stringify(orphan) }));
    const described = await stack('orphan');
    const { StackEvents } = await cfn.send(new DescribeStackEventsCommand({ StackName: 'orphan' }));

    // Assert
    expect(described.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(StackEvents!.find((event) => event.ResourceStatus === 'CREATE_FAILED')).toMatchObject({
      LogicalResourceId: 'Table',
      ResourceStatusReason:
        'Database missing_db not found. (Service: Glue, Status Code: 400, Error Code: EntityNotFoundException)',
    });
  });
});
