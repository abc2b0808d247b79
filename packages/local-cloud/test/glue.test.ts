import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  BatchCreatePartitionCommand,
  BatchStopJobRunCommand,
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  CreateJobCommand,
  CreatePartitionCommand,
  CreateTableCommand,
  DeleteDatabaseCommand,
  DeleteJobCommand,
  DeletePartitionCommand,
  DeleteTableCommand,
  GetCrawlerCommand,
  GetCrawlerMetricsCommand,
  GetDatabaseCommand,
  GetDatabasesCommand,
  GetJobCommand,
  GetJobRunCommand,
  GetJobRunsCommand,
  GetPartitionCommand,
  GetPartitionsCommand,
  GetTableCommand,
  GetTablesCommand,
  GlueClient,
  ListCrawlersCommand,
  ListJobsCommand,
  StartCrawlerCommand,
  StartJobRunCommand,
  StopCrawlerCommand,
  UpdateCrawlerCommand,
  UpdateDatabaseCommand,
  UpdateJobCommand,
  UpdatePartitionCommand,
  UpdateTableCommand,
  type JobRun,
} from '@aws-sdk/client-glue';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startLocalCloud, type GlueJobEngine, type LocalCloud } from '../src';
import { eventually } from '../../../test/support/eventually';
import { declareRoles, GLUE_TEST_STATEMENTS, sampleFacts, uploadSample } from './glue-fixtures';
import { crashedCopyOf, removeDir, startTestCloud } from './helpers';

let cloud: LocalCloud;
let restore: () => void;
let glue: GlueClient;
let s3: S3Client;

/** A released gate: runs of the `gated` engine wait on it, so a test decides when they end. */
let releaseGate: () => void = () => undefined;
let gate = Promise.resolve();
const closeGate = (): void => {
  gate = new Promise((resolve) => (releaseGate = resolve));
};

// Test engines: one writes what it was given into the local S3, one waits for the gate (and its stop signal), one fails.
const engines: GlueJobEngine[] = [
  {
    name: 'echo',
    script: /\/echo\.py$/,
    async run({ arguments: args, localPath }) {
      await writeFile(await localPath(`${args['--out']}`, 'write'), JSON.stringify(args));
      return { wrote: args['--out'] };
    },
  },
  {
    name: 'gated',
    script: /\/gated\.py$/,
    async run({ signal }) {
      await Promise.race([gate, new Promise((resolve) => signal.addEventListener('abort', resolve))]);
    },
  },
  {
    name: 'broken',
    script: /\/broken\.py$/,
    async run() {
      throw new RangeError('the mapping does not fit');
    },
  },
];

beforeAll(async () => {
  ({ cloud, restore } = await startTestCloud({ jobEngines: engines }));
  glue = new GlueClient({});
  s3 = new S3Client({});
  await declareRoles('test-roles', {
    crawler: GLUE_TEST_STATEMENTS,
    job: GLUE_TEST_STATEMENTS,
    r: GLUE_TEST_STATEMENTS,
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'scripts' }));
  for (const script of ['echo.py', 'gated.py', 'broken.py', 'pyspark.py']) {
    await s3.send(
      new PutObjectCommand({
        Bucket: 'scripts',
        Key: `jobs/${script}`,
        Body: '# a Glue script',
      }),
    );
  }
});

afterAll(async () => {
  releaseGate();
  glue.destroy();
  s3.destroy();
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

describe('Glue Data Catalog', () => {
  it('creates, reads, pages, updates and deletes databases and tables, with names in lower case as Glue keeps them', async () => {
    // Arrange
    await glue.send(
      new CreateDatabaseCommand({
        DatabaseInput: {
          Name: 'Sales',
          Description: 'v1',
        },
      }),
    );
    for (const name of ['E', 'd', 'c', 'b', 'a']) {
      await glue.send(
        new CreateTableCommand({
          DatabaseName: 'sales',
          TableInput: {
            Name: name,
            StorageDescriptor: {
              Columns: [{ Name: 'id', Type: 'bigint' }],
              Location: `s3://lake/${name}/`,
            },
          },
        }),
      );
    }

    // Act
    const created = (await glue.send(new GetDatabaseCommand({ Name: 'SALES' }))).Database;
    await glue.send(new UpdateDatabaseCommand({ Name: 'sales', DatabaseInput: { Name: 'sales', Description: 'v2' } }));
    const updatedDatabase = (await glue.send(new GetDatabaseCommand({ Name: 'sales' }))).Database;
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await glue.send(
        new GetTablesCommand({
          DatabaseName: 'sales',
          MaxResults: 2,
          NextToken: token,
        }),
      );
      pages.push((page.TableList ?? []).map((table) => table.Name!));
      token = page.NextToken;
    } while (token);
    const matching = await glue.send(new GetTablesCommand({ DatabaseName: 'sales', Expression: '[ab]' }));
    await glue.send(
      new UpdateTableCommand({
        DatabaseName: 'sales',
        TableInput: {
          Name: 'a',
          StorageDescriptor: { Columns: [{ Name: 'id', Type: 'string' }] },
        },
      }),
    );
    const { Table } = await glue.send(new GetTableCommand({ DatabaseName: 'sales', Name: 'A' }));
    await glue.send(new DeleteTableCommand({ DatabaseName: 'sales', Name: 'e' }));
    const remaining = await glue.send(new GetTablesCommand({ DatabaseName: 'sales' }));
    const databases = await glue.send(new GetDatabasesCommand({}));
    await glue.send(new DeleteDatabaseCommand({ Name: 'sales' }));
    const tableOfDeleted = await failure(glue.send(new GetTableCommand({ DatabaseName: 'sales', Name: 'a' })));

    // Assert
    expect(created).toMatchObject({
      Name: 'sales',
      Description: 'v1',
      CatalogId: '000000000000',
      CreateTime: expect.any(Date),
    });
    expect(updatedDatabase?.Description).toBe('v2');
    expect(pages).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(matching.TableList?.map((table) => table.Name)).toEqual(['a', 'b']);
    expect(Table).toMatchObject({
      Name: 'a',
      DatabaseName: 'sales',
      VersionId: '1',
      StorageDescriptor: { Columns: [{ Name: 'id', Type: 'string' }] },
    });
    expect(Table!.UpdateTime!.getTime()).toBeGreaterThanOrEqual(Table!.CreateTime!.getTime());
    expect(remaining.TableList).toHaveLength(4);
    expect(databases.DatabaseList?.map((db) => db.Name)).toContain('sales');
    // its tables went with it
    expect(tableOfDeleted).toMatchObject({
      name: 'EntityNotFoundException',
      message: 'Database sales not found.',
    });
  });

  it.each([
    [
      'GetDatabase of an unknown database',
      'EntityNotFoundException',
      'Database ghost not found.',
      () => new GetDatabaseCommand({ Name: 'ghost' }),
    ],
    [
      'GetTable of an unknown table',
      'EntityNotFoundException',
      'Table ghost not found.',
      () => new GetTableCommand({ DatabaseName: 'errors', Name: 'ghost' }),
    ],
    [
      'CreateDatabase of an existing one',
      'AlreadyExistsException',
      'Database already exists.',
      () => new CreateDatabaseCommand({ DatabaseInput: { Name: 'errors' } }),
    ],
    [
      'CreateTable of an existing one',
      'AlreadyExistsException',
      'Table already exists.',
      () => new CreateTableCommand({ DatabaseName: 'errors', TableInput: { Name: 't' } }),
    ],
    [
      'CreateTable without a name',
      'InvalidInputException',
      "Value at 'tableInput.name' failed to satisfy constraint: Member must not be null",
      () => new CreateTableCommand({ DatabaseName: 'errors', TableInput: {} as never }),
    ],
    [
      'CreateDatabase in another account',
      'AccessDeniedException',
      'catalog 123456789012',
      () => new CreateDatabaseCommand({ CatalogId: '123456789012', DatabaseInput: { Name: 'x' } }),
    ],
    [
      'a bad pagination token',
      'InvalidInputException',
      'Invalid pagination token',
      () => new GetTablesCommand({ DatabaseName: 'errors', NextToken: 'garbage' }),
    ],
  ])('answers %s with %s', async (_what, name, message, command) => {
    // Arrange
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'errors' } })).catch(() => undefined);
    await glue
      .send(new CreateTableCommand({ DatabaseName: 'errors', TableInput: { Name: 't' } }))
      .catch(() => undefined);

    // Act
    const error = await failure(glue.send(command() as never));

    // Assert
    expect(error.name).toBe(name);
    expect(error.message).toContain(message);
    expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(400);
  });

  it('keeps partitions of a partitioned table, checks their values against the keys and pages them', async () => {
    // Arrange
    const table = { DatabaseName: 'parts', TableName: 'trips' };
    const partition = (month: string) => ({
      Values: [month],
      StorageDescriptor: { Location: `s3://lake/trips/month=${month}/` },
    });
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'parts' } }));
    await glue.send(
      new CreateTableCommand({
        DatabaseName: 'parts',
        TableInput: {
          Name: 'trips',
          PartitionKeys: [{ Name: 'month', Type: 'string' }],
        },
      }),
    );

    // Act
    await glue.send(new CreatePartitionCommand({ ...table, PartitionInput: partition('01') }));
    const batch = await glue.send(
      new BatchCreatePartitionCommand({
        ...table,
        PartitionInputList: [partition('01'), partition('02'), partition('03')],
      }),
    );
    const second = await glue.send(new GetPartitionCommand({ ...table, PartitionValues: ['02'] }));
    const first = await glue.send(new GetPartitionsCommand({ ...table, MaxResults: 2 }));
    const rest = await glue.send(new GetPartitionsCommand({ ...table, NextToken: first.NextToken }));
    const mismatch = await failure(
      glue.send(
        new CreatePartitionCommand({
          ...table,
          PartitionInput: { Values: ['04', 'x'] },
        }),
      ),
    );

    // Assert
    expect(batch.Errors).toEqual([
      {
        PartitionValues: ['01'],
        ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'Partition already exists.' },
      },
    ]);
    expect(second.Partition).toMatchObject({
      Values: ['02'],
      TableName: 'trips',
      StorageDescriptor: { Location: 's3://lake/trips/month=02/' },
    });
    expect([...first.Partitions!, ...rest.Partitions!].map((p) => p.Values![0])).toEqual(['01', '02', '03']);
    expect(rest.NextToken).toBeUndefined();
    expect(mismatch).toMatchObject({ name: 'InvalidInputException' });
    expect(mismatch.message).toContain('The number of partition keys do not match the number of partition values');
  });

  it('moves a partition to its new values on UpdatePartition, keeping its CreationTime, and forgets it on DeletePartition', async () => {
    // Arrange
    const table = { DatabaseName: 'moves', TableName: 'trips' };
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'moves' } }));
    await glue.send(
      new CreateTableCommand({
        DatabaseName: 'moves',
        TableInput: { Name: 'trips', PartitionKeys: [{ Name: 'month', Type: 'string' }] },
      }),
    );
    await glue.send(
      new CreatePartitionCommand({
        ...table,
        PartitionInput: {
          Values: ['01'],
          StorageDescriptor: { Location: 's3://lake/trips/month=01/', Columns: [{ Name: 'id', Type: 'bigint' }] },
        },
      }),
    );
    const created = (await glue.send(new GetPartitionCommand({ ...table, PartitionValues: ['01'] }))).Partition;

    // Act
    await glue.send(
      new UpdatePartitionCommand({
        ...table,
        PartitionValueList: ['01'],
        PartitionInput: {
          Values: ['1'],
          StorageDescriptor: { Location: 's3://lake/trips/month=1/', Columns: [{ Name: 'id', Type: 'bigint' }] },
        },
      }),
    );
    const moved = await glue.send(new GetPartitionsCommand({ ...table, ExcludeColumnSchema: true }));
    const oldValues = await failure(glue.send(new GetPartitionCommand({ ...table, PartitionValues: ['01'] })));
    await glue.send(new DeletePartitionCommand({ ...table, PartitionValues: ['1'] }));
    const deleted = await failure(glue.send(new GetPartitionCommand({ ...table, PartitionValues: ['1'] })));

    // Assert
    expect(moved.Partitions).toEqual([
      expect.objectContaining({
        Values: ['1'],
        CreationTime: created?.CreationTime,
        StorageDescriptor: { Location: 's3://lake/trips/month=1/' },
      }),
    ]);
    expect(oldValues).toMatchObject({ name: 'EntityNotFoundException', message: 'Cannot find partition.' });
    expect(deleted).toMatchObject({ name: 'EntityNotFoundException', message: 'Cannot find partition.' });
  });
});

describe('Glue crawlers', () => {
  const crawlUntilReady = async (name: string) =>
    eventually(async () => {
      const { Crawler } = await glue.send(new GetCrawlerCommand({ Name: name }));
      return Crawler?.State === 'READY' && Crawler.LastCrawl ? Crawler : undefined;
    }, `crawler ${name} finishing`);

  it('crawls the TLC sample in S3 into a CSV table with its columns, refusing a second start while it runs', async () => {
    // Arrange
    const facts = await sampleFacts();
    await uploadSample(s3, 'raw-data', 'nyc-taxi/yellow_tripdata/');
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'raw' } }));
    await glue.send(
      new CreateCrawlerCommand({
        Name: 'raw-crawler',
        Role: 'arn:aws:iam::000000000000:role/crawler',
        DatabaseName: 'raw',
        TablePrefix: 'nyc_',
        Targets: { S3Targets: [{ Path: 's3://raw-data/nyc-taxi/yellow_tripdata/' }] },
      }),
    );
    const startedAt = Date.now();

    // Act
    const [first, second] = await Promise.allSettled([
      glue.send(new StartCrawlerCommand({ Name: 'raw-crawler' })),
      glue.send(new StartCrawlerCommand({ Name: 'raw-crawler' })),
    ]);
    const whileRunning = (await glue.send(new GetCrawlerCommand({ Name: 'raw-crawler' }))).Crawler;
    const crawler = await crawlUntilReady('raw-crawler');
    const { Table } = await glue.send(new GetTableCommand({ DatabaseName: 'raw', Name: 'nyc_yellow_tripdata' }));
    const metrics = await glue.send(new GetCrawlerMetricsCommand({ CrawlerNameList: ['raw-crawler'] }));
    // A second crawl updates the table in place (UPDATE_IN_DATABASE is the default).
    await glue.send(new StartCrawlerCommand({ Name: 'raw-crawler' }));
    await eventually(async () => {
      const { Crawler } = await glue.send(new GetCrawlerCommand({ Name: 'raw-crawler' }));
      return Crawler?.State === 'READY' && Crawler.LastCrawl!.StartTime! > crawler.LastCrawl!.StartTime!
        ? true
        : undefined;
    }, 'second crawl');
    const again = await glue.send(new GetCrawlerMetricsCommand({ CrawlerNameList: ['raw-crawler'] }));
    const recrawled = await glue.send(new GetTableCommand({ DatabaseName: 'raw', Name: 'nyc_yellow_tripdata' }));

    // Assert
    expect(first.status).toBe('fulfilled');
    expect(second).toMatchObject({
      status: 'rejected',
      reason: { name: 'CrawlerRunningException', message: 'Crawler with name raw-crawler has already started' },
    });
    expect(whileRunning?.State).not.toBe('READY');
    expect(crawler).toMatchObject({
      Role: 'arn:aws:iam::000000000000:role/crawler',
      LastCrawl: {
        Status: 'SUCCEEDED',
        LogGroup: '/aws-glue/crawlers',
        LogStream: 'raw-crawler',
      },
    });
    expect(crawler.LastCrawl!.StartTime!.getTime()).toBeGreaterThanOrEqual(Math.floor(startedAt / 1000) * 1000);
    expect(Table?.StorageDescriptor?.Columns?.map((column) => column.Name)).toEqual(
      facts.header.map((name) => name.toLowerCase()),
    );
    const typeOf = (name: string) => Table?.StorageDescriptor?.Columns?.find((column) => column.Name === name)?.Type;
    expect([typeOf('vendorid'), typeOf('trip_distance'), typeOf('store_and_fwd_flag'), typeOf('total_amount')]).toEqual(
      ['bigint', 'double', 'string', 'double'],
    );
    expect(Table).toMatchObject({
      TableType: 'EXTERNAL_TABLE',
      CreatedBy: 'arn:aws:sts::000000000000:assumed-role/crawler/AWS-Crawler',
      Parameters: {
        classification: 'csv',
        recordCount: String(facts.records),
        'skip.header.line.count': '1',
        UPDATED_BY_CRAWLER: 'raw-crawler',
      },
      StorageDescriptor: {
        Location: 's3://raw-data/nyc-taxi/yellow_tripdata/',
        InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        SerdeInfo: {
          SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
          Parameters: { 'field.delim': ',' },
        },
      },
    });
    expect(metrics.CrawlerMetricsList).toEqual([
      expect.objectContaining({
        CrawlerName: 'raw-crawler',
        TablesCreated: 1,
        TablesUpdated: 0,
        StillEstimating: false,
      }),
    ]);
    expect(again.CrawlerMetricsList![0]).toMatchObject({ TablesCreated: 0, TablesUpdated: 1 });
    expect(recrawled.Table?.VersionId).toBe('1');
  });

  it('fails a crawl whose target bucket does not exist, with the reason in LastCrawl', async () => {
    // Arrange
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'nowhere' } }));
    await glue.send(
      new CreateCrawlerCommand({
        Name: 'lost',
        Role: 'r',
        DatabaseName: 'nowhere',
        Targets: { S3Targets: [{ Path: 's3://no-such-bucket/data/' }] },
      }),
    );

    // Act
    const stopBeforeStart = await failure(glue.send(new StopCrawlerCommand({ Name: 'lost' })));
    await glue.send(new StartCrawlerCommand({ Name: 'lost' }));
    const crawler = await crawlUntilReady('lost');

    // Assert
    expect(stopBeforeStart).toMatchObject({
      name: 'CrawlerNotRunningException',
    });
    expect(crawler.LastCrawl).toMatchObject({ Status: 'FAILED', ErrorMessage: 'The specified bucket does not exist' });
  });

  it('refuses targets it cannot crawl, naming them', async () => {
    // Arrange
    const jdbc = new CreateCrawlerCommand({
      Name: 'jdbc',
      Role: 'r',
      DatabaseName: 'raw',
      Targets: { JdbcTargets: [{ ConnectionName: 'db', Path: 'x/%' }] },
    });
    await glue.send(
      new CreateCrawlerCommand({
        Name: 'later',
        Role: 'r',
        Targets: { S3Targets: [{ Path: 's3://raw-data/x/' }] },
      }),
    );

    // Act
    const error = await failure(glue.send(jdbc));
    await glue.send(new UpdateCrawlerCommand({ Name: 'later', Description: 'second version' }));
    const updated = (await glue.send(new GetCrawlerCommand({ Name: 'later' }))).Crawler;

    // Assert
    expect(error).toMatchObject({ name: 'InvalidInputException', message: expect.stringContaining('JdbcTargets') });
    expect(updated).toMatchObject({
      Description: 'second version',
      Version: 2,
      Targets: { S3Targets: [{ Path: 's3://raw-data/x/' }] },
    });
  });
});

describe('Glue name listings', () => {
  /** Every name a listing returns, page by page, with each page's size. */
  const allPages = async (list: (token?: string) => Promise<{ names: string[]; next?: string }>) => {
    const names: string[] = [];
    const sizes: number[] = [];
    let token: string | undefined;
    do {
      const page = await list(token);
      names.push(...page.names);
      sizes.push(page.names.length);
      token = page.next;
    } while (token);
    return { names, sizes };
  };

  it('pages crawler and job names in order, two at a time, and refuses a token it did not give', async () => {
    // Arrange
    const mine = ['listing-c', 'listing-a', 'listing-b'];
    for (const name of mine) {
      await glue.send(
        new CreateCrawlerCommand({
          Name: name,
          Role: 'r',
          Targets: { S3Targets: [{ Path: 's3://raw-data/x/' }] },
        }),
      );
      await glue.send(
        new CreateJobCommand({
          Name: name,
          Role: 'r',
          Command: { Name: 'glueetl', ScriptLocation: 's3://scripts/echo.py' },
        }),
      );
    }

    // Act
    const crawlers = await allPages(async (token) => {
      const page = await glue.send(new ListCrawlersCommand({ MaxResults: 2, NextToken: token }));
      return { names: page.CrawlerNames ?? [], next: page.NextToken };
    });
    const jobs = await allPages(async (token) => {
      const page = await glue.send(new ListJobsCommand({ MaxResults: 2, NextToken: token }));
      return { names: page.JobNames ?? [], next: page.NextToken };
    });
    const forged = await failure(glue.send(new ListJobsCommand({ NextToken: 'not-a-token' })));

    // Assert
    for (const listing of [crawlers, jobs]) {
      expect(listing.names).toEqual([...listing.names].sort());
      expect(listing.names.filter((name) => name.startsWith('listing-'))).toEqual([...mine].sort());
      expect(Math.max(...listing.sizes)).toBe(2);
    }
    expect(forged).toMatchObject({ name: 'InvalidInputException' });
  });
});

describe('Glue jobs', () => {
  const finished = (jobName: string, runId: string): Promise<JobRun> =>
    eventually(async () => {
      const { JobRun } = await glue.send(new GetJobRunCommand({ JobName: jobName, RunId: runId }));
      return JobRun && !['STARTING', 'RUNNING', 'STOPPING'].includes(JobRun.JobRunState!) ? JobRun : undefined;
    }, `job run ${runId}`);

  const running = (jobName: string, runId: string | undefined) =>
    eventually(async () => {
      const { JobRun } = await glue.send(new GetJobRunCommand({ JobName: jobName, RunId: runId }));
      return JobRun?.JobRunState === 'RUNNING' ? true : undefined;
    }, 'run RUNNING');

  it('runs the engine registered for the script with DefaultArguments overlaid by the run Arguments', async () => {
    // Arrange
    await s3.send(new CreateBucketCommand({ Bucket: 'outputs' }));
    await glue.send(
      new CreateJobCommand({
        Name: 'echo',
        Role: 'arn:aws:iam::000000000000:role/job',
        Command: {
          Name: 'glueetl',
          ScriptLocation: 's3://scripts/jobs/echo.py',
        },
        DefaultArguments: {
          '--out': 's3://outputs/echo.json',
          '--mode': 'default',
        },
        WorkerType: 'G.1X',
        NumberOfWorkers: 2,
      }),
    );

    // Act
    const job = (await glue.send(new GetJobCommand({ JobName: 'echo' }))).Job;
    const { JobRunId } = await glue.send(new StartJobRunCommand({ JobName: 'echo', Arguments: { '--mode': 'run' } }));
    const run = await finished('echo', JobRunId!);
    const written = JSON.parse(await readFile(path.join(cloud.objects.bucketPath('outputs'), 'echo.json'), 'utf8'));

    // Assert
    expect(job).toMatchObject({
      Role: 'arn:aws:iam::000000000000:role/job',
      MaxCapacity: 2,
      Timeout: 2880,
      ExecutionProperty: { MaxConcurrentRuns: 1 },
    });
    expect(JobRunId).toMatch(/^jr_[0-9a-f]{64}$/);
    expect(run).toMatchObject({
      JobRunState: 'SUCCEEDED',
      Arguments: { '--mode': 'run' },
      Attempt: 0,
      LogGroupName: '/aws-glue/jobs',
      CompletedOn: expect.any(Date),
    });
    expect(written).toEqual({
      '--out': 's3://outputs/echo.json',
      '--mode': 'run',
      '--JOB_NAME': 'echo',
      '--JOB_ID': JobRunId,
      '--JOB_RUN_ID': JobRunId,
    });
    expect(cloud.glue.jobs.getRun('echo', JobRunId!)?.localOutput).toEqual({ wrote: 's3://outputs/echo.json' });
  });

  it.each([
    ['s3://scripts/jobs/pyspark.py', 'No local engine runs the script s3://scripts/jobs/pyspark.py'],
    ['s3://scripts/jobs/missing.py', 'Failed to download the script s3://scripts/jobs/missing.py from S3'],
    ['s3://scripts/jobs/broken.py', 'RangeError: the mapping does not fit'],
  ])('fails a run of %s with an ErrorMessage naming why', async (script, message) => {
    // Arrange
    const name = `job-${path.basename(script, '.py')}`;
    await glue.send(
      new CreateJobCommand({
        Name: name,
        Role: 'r',
        Command: { Name: 'glueetl', ScriptLocation: script },
      }),
    );

    // Act
    const { JobRunId } = await glue.send(new StartJobRunCommand({ JobName: name }));
    const run = await finished(name, JobRunId!);

    // Assert
    expect(run.JobRunState).toBe('FAILED');
    expect(run.ErrorMessage).toContain(message);
  });

  it('limits concurrent runs, stops a run (STOPPING → STOPPED) and lists runs newest first', async () => {
    // Arrange
    closeGate();
    await glue.send(
      new CreateJobCommand({
        Name: 'gated',
        Role: 'r',
        Command: { Name: 'glueetl', ScriptLocation: 's3://scripts/jobs/gated.py' },
      }),
    );
    const twoAtOnce = new UpdateJobCommand({
      JobName: 'gated',
      JobUpdate: {
        Role: 'r',
        Command: { ScriptLocation: 's3://scripts/jobs/gated.py' },
        ExecutionProperty: { MaxConcurrentRuns: 2 },
      },
    });

    // Act
    const { JobRunId: first } = await glue.send(new StartJobRunCommand({ JobName: 'gated' }));
    const exceeded = await failure(glue.send(new StartJobRunCommand({ JobName: 'gated' })));
    await running('gated', first);
    const stopped = await glue.send(
      new BatchStopJobRunCommand({ JobName: 'gated', JobRunIds: [first!, 'jr_unknown'] }),
    );
    const firstRun = await finished('gated', first!);
    await glue.send(twoAtOnce);
    const { JobRunId: second } = await glue.send(new StartJobRunCommand({ JobName: 'gated' }));
    const { JobRunId: third } = await glue.send(new StartJobRunCommand({ JobName: 'gated' }));
    releaseGate();
    await finished('gated', second!);
    await finished('gated', third!);
    const page = await glue.send(new GetJobRunsCommand({ JobName: 'gated', MaxResults: 2 }));
    const rest = await glue.send(new GetJobRunsCommand({ JobName: 'gated', NextToken: page.NextToken }));
    await glue.send(new DeleteJobCommand({ JobName: 'gated' }));
    const deleted = await failure(glue.send(new GetJobCommand({ JobName: 'gated' })));
    const deletedAgain = await glue.send(new DeleteJobCommand({ JobName: 'gated' }));

    // Assert
    expect(exceeded).toMatchObject({
      name: 'ConcurrentRunsExceededException',
      message: 'Concurrent runs exceeded for gated',
    });
    expect(stopped.SuccessfulSubmissions).toEqual([{ JobName: 'gated', JobRunId: first }]);
    expect(stopped.Errors).toEqual([
      expect.objectContaining({
        JobRunId: 'jr_unknown',
        ErrorDetail: expect.objectContaining({ ErrorCode: 'EntityNotFoundException' }),
      }),
    ]);
    expect(firstRun.JobRunState).toBe('STOPPED');
    expect([...page.JobRuns!, ...rest.JobRuns!].map((run) => [run.Id, run.JobRunState])).toEqual([
      [third, 'SUCCEEDED'],
      [second, 'SUCCEEDED'],
      [first, 'STOPPED'],
    ]);
    expect(deleted).toMatchObject({
      name: 'EntityNotFoundException',
    });
    // DeleteJob of a job that does not exist succeeds, as on AWS
    expect(deletedAgain.JobName).toBe('gated');
  });

  it('in a restarted cloud keeps the definitions and fails the runs the previous process left active', async () => {
    // Arrange
    // Its own catalog entries: what the restart must keep, whatever ran before.
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'kept' } }));
    await glue.send(
      new CreateTableCommand({
        DatabaseName: 'kept',
        TableInput: {
          Name: 'trips',
          StorageDescriptor: { Location: 's3://kept/trips/', Columns: [] },
        },
      }),
    );
    closeGate();
    await glue.send(
      new CreateJobCommand({
        Name: 'left',
        Role: 'r',
        Command: { ScriptLocation: 's3://scripts/jobs/gated.py' },
      }),
    );
    const { JobRunId } = await glue.send(new StartJobRunCommand({ JobName: 'left' }));
    await running('left', JobRunId);
    // A second process over what a killed first one left (its state folder, without its lock), while the job runs.
    const revived = await startLocalCloud({
      stateDir: crashedCopyOf(cloud.stateDir),
      port: 0,
      jobEngines: engines,
    });
    const client = new GlueClient({ endpoint: revived.endpoint });
    try {
      // Act
      const job = (await client.send(new GetJobCommand({ JobName: 'left' }))).Job;
      const table = (await client.send(new GetTableCommand({ DatabaseName: 'kept', Name: 'trips' }))).Table;
      const run = (await client.send(new GetJobRunCommand({ JobName: 'left', RunId: JobRunId }))).JobRun;

      // Assert
      expect(job?.Command?.ScriptLocation).toBe('s3://scripts/jobs/gated.py');
      expect(table).toMatchObject({
        DatabaseName: 'kept',
        Name: 'trips',
        StorageDescriptor: { Location: 's3://kept/trips/' },
      });
      expect(run).toMatchObject({
        JobRunState: 'FAILED',
        ErrorMessage: 'The local cloud stopped while this job run was active',
      });
    } finally {
      client.destroy();
      await revived.close();
      removeDir(revived.stateDir);
      releaseGate();
    }
  });
});
