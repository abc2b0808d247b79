import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import {
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  CreateJobCommand,
  CreateTableCommand,
  GetCrawlerCommand,
  GetJobRunCommand,
  GetTablesCommand,
  GlueClient,
  StartCrawlerCommand,
  StartJobRunCommand,
  type Crawler,
  type JobRun,
} from '@aws-sdk/client-glue';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { GlueJobEngine, LocalCloud } from '../src';
import { eventually } from '../../../test/support/eventually';
import { declareRoles, uploadSample, type TestStatement } from './glue-fixtures';
import { removeDir, startTestCloud } from './helpers';

// Crawls act as the crawler's Role, job runs as the job's Role, queries as their caller: each role below is allowed
// exactly what its work needs, and each `no-*` twin lacks one statement, which must fail the work naming it.
const ACCOUNT = '000000000000';
const GLUE_ARN = `arn:aws:glue:us-east-1:${ACCOUNT}`;
const roleArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const allow = (Sid: string, Action: string[], Resource: string[], Condition?: TestStatement['Condition']) => ({
  Sid,
  Effect: 'Allow' as const,
  Action,
  Resource,
  ...(Condition ? { Condition } : {}),
});
const without = (statements: TestStatement[], sid: string): TestStatement[] =>
  statements.filter((statement) => statement.Sid !== sid);
const catalog = (sid: string, actions: string[]) =>
  allow(sid, actions, [`${GLUE_ARN}:catalog`, `${GLUE_ARN}:database/sp_db`, `${GLUE_ARN}:table/sp_db/*`]);

const CRAWLER: TestStatement[] = [
  allow('ListTrips', ['s3:ListBucket'], ['arn:aws:s3:::sp-raw'], {
    StringLike: { 's3:prefix': ['trips', 'trips/*'] },
  }),
  allow('LocateRaw', ['s3:GetBucketLocation'], ['arn:aws:s3:::sp-raw']),
  allow('ReadTrips', ['s3:GetObject'], ['arn:aws:s3:::sp-raw/trips/*']),
  catalog('CatalogRead', ['glue:GetDatabase', 'glue:GetTables', 'glue:GetTable']),
  catalog('CatalogWrite', ['glue:CreateTable', 'glue:UpdateTable']),
];
const JOB: TestStatement[] = [
  allow('List', ['s3:ListBucket'], ['arn:aws:s3:::sp-raw', 'arn:aws:s3:::sp-lake']),
  allow('ReadScript', ['s3:GetObject'], ['arn:aws:s3:::sp-scripts/jobs/*']),
  allow('ReadTrips', ['s3:GetObject'], ['arn:aws:s3:::sp-raw/trips/*']),
  allow('ReplaceOutput', ['s3:DeleteObject'], ['arn:aws:s3:::sp-lake/out/*']),
  allow('WriteOutput', ['s3:PutObject'], ['arn:aws:s3:::sp-lake/out/*']),
];
const ANALYST: TestStatement[] = [
  allow(
    'Query',
    ['athena:StartQueryExecution', 'athena:GetQueryExecution'],
    [`arn:aws:athena:us-east-1:${ACCOUNT}:workgroup/primary`],
  ),
  catalog('Catalog', ['glue:GetDatabase', 'glue:GetTable']),
  allow('ListTrips', ['s3:ListBucket'], ['arn:aws:s3:::sp-raw']),
  allow('ReadTrips', ['s3:GetObject'], ['arn:aws:s3:::sp-raw/trips/*']),
  allow('LocateResults', ['s3:GetBucketLocation'], ['arn:aws:s3:::sp-results']),
  allow('WriteResults', ['s3:PutObject'], ['arn:aws:s3:::sp-results/q/*']),
];

/** Reads every data file of its input, writes their line count to `<out>/count.txt` and removes what else was there. */
const countEngine: GlueJobEngine = {
  name: 'count',
  script: /\/count\.py$/,
  async run({ arguments: args, localPath }) {
    const input = await localPath(args['--in']!, 'read');
    const output = await localPath(args['--out']!, 'write');
    let lines = 0;
    for (const name of await readdir(input))
      lines += (await readFile(path.join(input, name), 'utf8')).split('\n').length;
    await rm(path.join(output, 'old.txt'), { force: true });
    await writeFile(path.join(output, 'count.txt'), String(lines));
    return { lines };
  },
};

let cloud: LocalCloud;
let restore: () => void;
let glue: GlueClient;
let s3: S3Client;

beforeAll(async () => {
  ({ cloud, restore } = await startTestCloud({ jobEngines: [countEngine] }));
  glue = new GlueClient({});
  s3 = new S3Client({});
  await declareRoles('service-principal-roles', {
    crawler: CRAWLER,
    'crawler-no-read': without(CRAWLER, 'ReadTrips'),
    'crawler-no-locate': without(CRAWLER, 'LocateRaw'),
    'crawler-no-write': without(CRAWLER, 'CatalogWrite'),
    job: JOB,
    'job-no-write': without(JOB, 'WriteOutput'),
    'job-no-input': without(JOB, 'ReadTrips'),
    analyst: ANALYST,
    'analyst-no-read': without(ANALYST, 'ReadTrips'),
    'analyst-no-catalog': without(ANALYST, 'Catalog'),
    'analyst-no-results': without(ANALYST, 'WriteResults'),
  });
  await uploadSample(s3, 'sp-raw', 'trips/');
  for (const bucket of ['sp-lake', 'sp-scripts', 'sp-results'])
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: 'sp-scripts', Key: 'jobs/count.py', Body: '# counts lines' }));
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'sp_db' } }));
});

afterAll(async () => {
  glue.destroy();
  s3.destroy();
  await cloud.close();
  restore();
  removeDir(cloud.stateDir);
});

const denial = (role: string, session: string, action: string, resource: string, service: 'S3' | 'Glue') =>
  `User: arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action ${
    service === 'S3'
      ? '(Service: Amazon S3; Status Code: 403; Error Code: AccessDenied)'
      : '(Service: AWSGlue; Status Code: 400; Error Code: AccessDeniedException)'
  }`;

describe('a crawl acts as the crawler role', () => {
  const crawl = async (name: string, role: string): Promise<Crawler> => {
    await glue.send(
      new CreateCrawlerCommand({
        Name: name,
        Role: roleArn(role),
        DatabaseName: 'sp_db',
        TablePrefix: `${name.replaceAll('-', '_')}_`,
        Targets: { S3Targets: [{ Path: 's3://sp-raw/trips/' }] },
      }),
    );
    await glue.send(new StartCrawlerCommand({ Name: name }));
    return eventually(async () => {
      const { Crawler } = await glue.send(new GetCrawlerCommand({ Name: name }));
      return Crawler?.State === 'READY' && Crawler.LastCrawl ? Crawler : undefined;
    }, `crawler ${name} finishing`);
  };
  const tableNames = async () =>
    ((await glue.send(new GetTablesCommand({ DatabaseName: 'sp_db' }))).TableList ?? []).map((table) => table.Name);

  it('succeeds with a role allowed its prefix and its database', async () => {
    const crawler = await crawl('allowed', 'crawler');
    expect(crawler.LastCrawl).toMatchObject({ Status: 'SUCCEEDED' });
    expect(await tableNames()).toContain('allowed_trips');
  });

  it('fails without s3:GetObject, naming the object, and writes no table', async () => {
    const crawler = await crawl('unread', 'crawler-no-read');
    expect(crawler.LastCrawl).toMatchObject({
      Status: 'FAILED',
      ErrorMessage: denial(
        'crawler-no-read',
        'AWS-Crawler',
        's3:GetObject',
        'arn:aws:s3:::sp-raw/trips/sample.csv',
        'S3',
      ),
    });
    expect(await tableNames()).not.toContain('unread_trips');
  });

  it('fails without glue:CreateTable, naming it, and writes no table', async () => {
    const crawler = await crawl('uncatalogued', 'crawler-no-write');
    expect(crawler.LastCrawl).toMatchObject({
      Status: 'FAILED',
      ErrorMessage: denial('crawler-no-write', 'AWS-Crawler', 'glue:CreateTable', `${GLUE_ARN}:catalog`, 'Glue'),
    });
    expect(await tableNames()).not.toContain('uncatalogued_trips');
  });

  it('fails without s3:GetBucketLocation, as a crawler locates its bucket first', async () => {
    const crawler = await crawl('unlocated', 'crawler-no-locate');
    expect(crawler.LastCrawl?.ErrorMessage).toBe(
      denial('crawler-no-locate', 'AWS-Crawler', 's3:GetBucketLocation', 'arn:aws:s3:::sp-raw', 'S3'),
    );
  });
});

describe('a job run acts as the job role', () => {
  const run = async (name: string, role: string): Promise<JobRun> => {
    await glue.send(
      new CreateJobCommand({
        Name: name,
        Role: roleArn(role),
        Command: { Name: 'glueetl', ScriptLocation: 's3://sp-scripts/jobs/count.py' },
        DefaultArguments: { '--in': 's3://sp-raw/trips/', '--out': 's3://sp-lake/out/' },
      }),
    );
    const { JobRunId } = await glue.send(new StartJobRunCommand({ JobName: name }));
    return eventually(async () => {
      const { JobRun } = await glue.send(new GetJobRunCommand({ JobName: name, RunId: JobRunId! }));
      return JobRun && !['STARTING', 'RUNNING', 'STOPPING'].includes(JobRun.JobRunState!) ? JobRun : undefined;
    }, `job ${name} finishing`);
  };
  const outputKeys = async () =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: 'sp-lake', Prefix: 'out/' }))).Contents ?? []).map(
      (object) => object.Key,
    );

  it('without s3:PutObject on its output fails naming it, and leaves the output as it was', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'sp-lake', Key: 'out/old.txt', Body: 'previous run' }));
    const denied = await run('unwritten', 'job-no-write');
    expect(denied.JobRunState).toBe('FAILED');
    expect(denied.ErrorMessage).toBe(
      `AccessDenied: ${denial('job-no-write', 'GlueJobRunnerSession', 's3:PutObject', 'arn:aws:s3:::sp-lake/out/count.txt', 'S3')}`,
    );
    expect(await outputKeys()).toEqual(['out/old.txt']);
  });

  it('without s3:GetObject on its input fails naming the file, before it writes anything', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'sp-lake', Key: 'out/old.txt', Body: 'previous run' }));
    const denied = await run('unread', 'job-no-input');
    expect(denied.JobRunState).toBe('FAILED');
    expect(denied.ErrorMessage).toBe(
      `AccessDenied: ${denial('job-no-input', 'GlueJobRunnerSession', 's3:GetObject', 'arn:aws:s3:::sp-raw/trips/sample.csv', 'S3')}`,
    );
    expect(await outputKeys()).toEqual(['out/old.txt']);
  });

  it('with its role reads the script and the input, replaces the output', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'sp-lake', Key: 'out/old.txt', Body: 'previous run' }));
    const done = await run('counted', 'job');
    expect(done).toMatchObject({ JobRunState: 'SUCCEEDED' });
    expect(await outputKeys()).toEqual(['out/count.txt']);
    const count = await s3.send(new GetObjectCommand({ Bucket: 'sp-lake', Key: 'out/count.txt' }));
    expect(Number(await count.Body!.transformToString())).toBeGreaterThan(7000);
  });
});

describe('a query acts as its caller', () => {
  beforeAll(async () => {
    await glue.send(
      new CreateTableCommand({
        DatabaseName: 'sp_db',
        TableInput: {
          Name: 'trips',
          TableType: 'EXTERNAL_TABLE',
          Parameters: { classification: 'csv', 'skip.header.line.count': '1' },
          StorageDescriptor: {
            Columns: [{ Name: 'vendorid', Type: 'string' }],
            Location: 's3://sp-raw/trips/',
            InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
            SerdeInfo: {
              SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
              Parameters: { 'field.delim': ',' },
            },
          },
        },
      }),
    );
  });

  const query = async (role: string): Promise<QueryExecution> => {
    const athena = new AthenaClient({ credentials: cloud.credentialsForRole(roleArn(role)), maxAttempts: 1 });
    try {
      const { QueryExecutionId } = await athena.send(
        new StartQueryExecutionCommand({
          QueryString: 'SELECT count(*) AS trips FROM trips',
          QueryExecutionContext: { Database: 'sp_db' },
          ResultConfiguration: { OutputLocation: 's3://sp-results/q/' },
        }),
      );
      return await eventually(async () => {
        const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
        const state = QueryExecution?.Status?.State;
        return state === 'SUCCEEDED' || state === 'FAILED' ? QueryExecution : undefined;
      }, `the query of ${role}`);
    } finally {
      athena.destroy();
    }
  };

  it('succeeds for a caller allowed the table, its files and the output location', async () => {
    const execution = await query('analyst');
    expect(execution.Status?.State).toBe('SUCCEEDED');
  });

  it('fails with Permission denied on S3 path when the caller may not read the table files', async () => {
    const execution = await query('analyst-no-read');
    expect(execution.Status).toMatchObject({
      State: 'FAILED',
      StateChangeReason: `Permission denied on S3 path: s3://sp-raw/trips/sample.csv (User: arn:aws:sts::${ACCOUNT}:assumed-role/analyst-no-read/local-cloud is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::sp-raw/trips/sample.csv because no identity-based policy allows the s3:GetObject action)`,
    });
  });

  it('fails with AccessDeniedException of Glue when the caller may not read the catalog', async () => {
    const execution = await query('analyst-no-catalog');
    expect(execution.Status).toMatchObject({
      State: 'FAILED',
      StateChangeReason: `Insufficient permissions to execute the query. ${denial('analyst-no-catalog', 'local-cloud', 'glue:GetDatabase', `${GLUE_ARN}:catalog`, 'Glue')}`,
    });
  });

  it('fails with Access denied when writing output when the caller may not write the output location', async () => {
    const execution = await query('analyst-no-results');
    expect(execution.Status?.State).toBe('FAILED');
    expect(execution.Status?.StateChangeReason).toMatch(
      /^Access denied when writing output to url: s3:\/\/sp-results\/q\/[\w-]+\.csv \. Please ensure you are allowed to access the S3 bucket\. \(User: arn:aws:sts::000000000000:assumed-role\/analyst-no-results\/local-cloud is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::sp-results\/q\/[\w-]+\.csv /,
    );
  });
});
