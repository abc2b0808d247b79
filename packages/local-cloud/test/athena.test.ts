import {
  AthenaClient,
  CreateWorkGroupCommand,
  DeleteWorkGroupCommand,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  GetWorkGroupCommand,
  ListQueryExecutionsCommand,
  ListWorkGroupsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  UpdateWorkGroupCommand,
  type QueryExecution,
  type Row,
} from '@aws-sdk/client-athena';
import {
  BatchCreatePartitionCommand,
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  GetCrawlerCommand,
  GlueClient,
  StartCrawlerCommand,
} from '@aws-sdk/client-glue';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startLocalCloud, type LocalCloud } from '../src';
import { declareRoles, GLUE_TEST_STATEMENTS, sampleFacts, uploadSample, type SampleFacts } from './glue-fixtures';
import { eventually } from '../../../test/support/eventually';
import { crashedCopyOf, removeDir, startTestCloud } from './helpers';

let cloud: LocalCloud;
let restore: () => void;
let athena: AthenaClient;
let glue: GlueClient;
let s3: S3Client;
let facts: SampleFacts;

const WORKGROUP = 'analysts';
const RESULTS = 's3://athena-results/results/';

beforeAll(async () => {
  ({ cloud, restore } = await startTestCloud());
  athena = new AthenaClient({});
  glue = new GlueClient({});
  s3 = new S3Client({});
  facts = await sampleFacts();
  await declareRoles('test-roles', { r: GLUE_TEST_STATEMENTS });
  await uploadSample(s3, 'raw-data', 'nyc-taxi/yellow_tripdata/');
  await s3.send(new CreateBucketCommand({ Bucket: 'athena-results' }));
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'taxi_raw' } }));
  await glue.send(
    new CreateCrawlerCommand({
      Name: 'raw',
      Role: 'r',
      DatabaseName: 'taxi_raw',
      Targets: { S3Targets: [{ Path: 's3://raw-data/nyc-taxi/yellow_tripdata/' }] },
    }),
  );
  await glue.send(new StartCrawlerCommand({ Name: 'raw' }));
  await eventually(async () => {
    const { Crawler } = await glue.send(new GetCrawlerCommand({ Name: 'raw' }));
    return Crawler?.State === 'READY' && Crawler.LastCrawl?.Status === 'SUCCEEDED' ? true : undefined;
  }, 'the raw crawl');
  await athena.send(
    new CreateWorkGroupCommand({
      Name: WORKGROUP,
      Description: 'queries over the raw taxi data',
      Configuration: { ResultConfiguration: { OutputLocation: RESULTS }, EnforceWorkGroupConfiguration: true },
    }),
  );
});

afterAll(async () => {
  athena.destroy();
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

/** Starts a query and polls it to its final state, as the live test's AWS backend does. */
const run = async (sql: string, extra: { WorkGroup?: string; database?: string; client?: AthenaClient } = {}) => {
  const client = extra.client ?? athena;
  const { QueryExecutionId } = await client.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      WorkGroup: extra.WorkGroup ?? WORKGROUP,
      QueryExecutionContext: { Database: extra.database ?? 'taxi_raw' },
    }),
  );
  return eventually<QueryExecution>(async () => {
    const { QueryExecution } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(QueryExecution?.Status?.State ?? '')
      ? QueryExecution
      : undefined;
  }, `query ${sql}`);
};

const values = (rows: Row[] | undefined): (string | undefined)[][] =>
  (rows ?? []).map((row) => (row.Data ?? []).map((datum) => datum.VarCharValue));

describe('Athena workgroups', () => {
  it('has the primary workgroup, and creates, lists, updates and deletes others', async () => {
    // Arrange
    const update = new UpdateWorkGroupCommand({
      WorkGroup: 'scratch',
      State: 'DISABLED',
      ConfigurationUpdates: {
        ResultConfigurationUpdates: { OutputLocation: 's3://athena-results/scratch/' },
        RemoveBytesScannedCutoffPerQuery: true,
      },
    });

    // Act
    const primary = (await athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }))).WorkGroup;
    await athena.send(
      new CreateWorkGroupCommand({
        Name: 'scratch',
        Configuration: { BytesScannedCutoffPerQuery: 10_000_000 },
      }),
    );
    const again = await failure(athena.send(new CreateWorkGroupCommand({ Name: 'scratch' })));
    const listed = await athena.send(new ListWorkGroupsCommand({}));
    await athena.send(update);
    const { WorkGroup } = await athena.send(new GetWorkGroupCommand({ WorkGroup: 'scratch' }));
    const disabled = await failure(
      athena.send(new StartQueryExecutionCommand({ QueryString: 'SELECT 1', WorkGroup: 'scratch' })),
    );
    await athena.send(new DeleteWorkGroupCommand({ WorkGroup: 'scratch' }));
    const deleted = await failure(athena.send(new GetWorkGroupCommand({ WorkGroup: 'scratch' })));
    const deletePrimary = await failure(athena.send(new DeleteWorkGroupCommand({ WorkGroup: 'primary' })));

    // Assert
    expect(primary).toMatchObject({
      Name: 'primary',
      State: 'ENABLED',
      Configuration: { EngineVersion: { EffectiveEngineVersion: 'Athena engine version 3' } },
    });
    expect(again).toMatchObject({
      name: 'InvalidRequestException',
      message: 'WorkGroup is already created',
    });
    expect(listed.WorkGroups?.map((workGroup) => workGroup.Name)).toEqual(
      expect.arrayContaining(['primary', 'scratch', WORKGROUP]),
    );
    expect(WorkGroup).toMatchObject({
      State: 'DISABLED',
      Configuration: { ResultConfiguration: { OutputLocation: 's3://athena-results/scratch/' } },
    });
    expect(WorkGroup?.Configuration?.BytesScannedCutoffPerQuery).toBeUndefined();
    expect(disabled).toMatchObject({ name: 'InvalidRequestException', message: 'WorkGroup scratch is disabled.' });
    expect(deleted).toMatchObject({
      name: 'InvalidRequestException',
      message: 'WorkGroup scratch is not found.',
    });
    expect(deletePrimary).toMatchObject({
      name: 'InvalidRequestException',
    });
  });

  it('refuses a query with no result location anywhere', async () => {
    // Act
    const error = await failure(athena.send(new StartQueryExecutionCommand({ QueryString: 'SELECT 1' })));

    // Assert
    expect(error).toMatchObject({
      name: 'InvalidRequestException',
      message: expect.stringContaining('No output location provided'),
    });
  });
});

describe('Athena queries', () => {
  it('counts and sums the crawled table exactly as the CSV adds up, with Athena column names and types', async () => {
    // Arrange
    // The same numbers, qualified, aliased, from the primary workgroup with the request's result location.
    const qualifiedQuery = new StartQueryExecutionCommand({
      QueryString: 'SELECT count(*) AS Trips FROM awsdatacatalog.taxi_raw.yellow_tripdata',
      ResultConfiguration: { OutputLocation: 's3://athena-results/adhoc' },
    });

    // Act
    const execution = await run('SELECT count(*), sum(total_amount) FROM yellow_tripdata');
    const results = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: execution.QueryExecutionId }));
    const { QueryExecutionId } = await athena.send(qualifiedQuery);
    await eventually(async () => {
      const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
      return QueryExecution?.Status?.State === 'SUCCEEDED' ? true : undefined;
    }, 'the qualified query');
    const qualified = await athena.send(new GetQueryResultsCommand({ QueryExecutionId }));

    // Assert
    expect(execution).toMatchObject({
      Status: { State: 'SUCCEEDED' },
      StatementType: 'DML',
      WorkGroup: WORKGROUP,
      QueryExecutionContext: { Database: 'taxi_raw' },
      ResultConfiguration: { OutputLocation: `${RESULTS}${execution.QueryExecutionId}.csv` },
    });
    expect(execution.Statistics?.DataScannedInBytes).toBeGreaterThan(700_000);
    expect(results.ResultSet?.ResultSetMetadata?.ColumnInfo?.map(({ Name, Type }) => [Name, Type])).toEqual([
      ['_col0', 'bigint'],
      ['_col1', 'double'],
    ]);
    const [header, row] = values(results.ResultSet?.Rows);
    expect(header).toEqual(['_col0', '_col1']); // the first row repeats the column names, as Athena's does
    expect(Number(row![0])).toBe(facts.records);
    expect(Number(row![1])).toBeCloseTo(facts.totalAmount, 6);
    expect(results.NextToken).toBeUndefined();
    expect(values(qualified.ResultSet?.Rows)).toEqual([['trips'], [String(facts.records)]]);
  });

  it('writes the result CSV to the output location, every value quoted and NULL empty', async () => {
    // Arrange
    const sql =
      'SELECT vendorid, store_and_fwd_flag AS flag, NULL AS nothing, \'say "hi"\' AS quoted FROM yellow_tripdata ORDER BY pickup_datetime LIMIT 2';

    // Act
    const execution = await run(sql);
    const object = await s3.send(
      new GetObjectCommand({
        Bucket: 'athena-results',
        Key: `results/${execution.QueryExecutionId}.csv`,
      }),
    );
    const text = await object.Body!.transformToString();

    // Assert
    const lines = text.split('\n');
    expect(lines[0]).toBe('"vendorid","flag","nothing","quoted"');
    expect(lines[1]).toMatch(/^"\d","[YN]",,"say ""hi"""$/);
    expect(lines).toHaveLength(4); // header, two rows, and the final newline
  });

  it('pages GetQueryResults with MaxResults and NextToken; the header row counts in the first page', async () => {
    // Arrange
    const execution = await run(
      'SELECT pulocationid FROM yellow_tripdata ORDER BY pickup_datetime, pulocationid LIMIT 25',
    );
    const { QueryExecutionId } = execution;

    // Act
    const pages: GetQueryResultsCommandOutput[] = [];
    let token: string | undefined;
    do {
      const page = await athena.send(
        new GetQueryResultsCommand({ QueryExecutionId, MaxResults: 10, NextToken: token }),
      );
      pages.push(page);
      token = page.NextToken;
    } while (token);
    const all = await athena.send(new GetQueryResultsCommand({ QueryExecutionId }));
    const forged = await failure(athena.send(new GetQueryResultsCommand({ QueryExecutionId, NextToken: 'forged' })));

    // Assert
    for (const page of pages) {
      expect(page.ResultSet?.ResultSetMetadata?.ColumnInfo?.[0]).toMatchObject({
        Name: 'pulocationid',
        Type: 'bigint',
      });
    }
    const rows = pages.map((page) => values(page.ResultSet?.Rows));
    expect(rows.map((page) => page.length)).toEqual([10, 10, 6]);
    expect(rows[0]![0]).toEqual(['pulocationid']);
    expect(rows.flat()).toEqual(values(all.ResultSet?.Rows));
    expect(forged).toMatchObject({ name: 'InvalidRequestException', message: 'Invalid pagination token' });
  });

  it.each([
    ['SELECT no_such_column FROM yellow_tripdata', 'COLUMN_NOT_FOUND: '],
    [
      'SELECT * FROM no_such_table',
      "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.taxi_raw.no_such_table' does not exist",
    ],
    ['SELEC 1', 'SYNTAX_ERROR: line 1:1: '],
    ['DROP TABLE yellow_tripdata', 'NOT_SUPPORTED: '],
  ])('ends %s FAILED with the reason', async (sql, reason) => {
    // Act
    const execution = await run(sql);
    const results = await failure(
      athena.send(new GetQueryResultsCommand({ QueryExecutionId: execution.QueryExecutionId })),
    );

    // Assert
    expect(execution.Status).toMatchObject({
      State: 'FAILED',
      StateChangeReason: expect.stringContaining(reason),
      AthenaError: { ErrorCategory: 2, Retryable: false, ErrorMessage: expect.stringContaining(reason) },
    });
    expect(results).toMatchObject({
      name: 'InvalidRequestException',
      message: expect.stringContaining('Query did not finish successfully. Final query state: FAILED'),
    });
  });

  it('answers SHOW TABLES and SHOW DATABASES from the Glue catalog, without a header row', async () => {
    // Act
    const tables = await run('SHOW TABLES');
    const tableRows = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: tables.QueryExecutionId }));
    const databases = await run("SHOW DATABASES LIKE 'taxi*'");
    const databaseRows = await athena.send(
      new GetQueryResultsCommand({ QueryExecutionId: databases.QueryExecutionId }),
    );

    // Assert
    expect(tables).toMatchObject({
      StatementType: 'UTILITY',
      ResultConfiguration: { OutputLocation: expect.stringMatching(/\.txt$/) },
    });
    expect(values(tableRows.ResultSet?.Rows)).toEqual([['yellow_tripdata']]);
    expect(values(databaseRows.ResultSet?.Rows)).toEqual([['taxi_raw']]);
  });

  it('reads a table declared through the Glue API (OpenCSVSerde, partitions) as Athena would', async () => {
    // Arrange
    // Its own database: SHOW TABLES in taxi_raw lists what beforeAll made, whatever ran before.
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'reference' } }));
    await s3.send(new CreateBucketCommand({ Bucket: 'declared' }));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'declared',
        Key: 'zones/region=east/a.csv',
        Body: 'id,name\n1,"Queens, NY"\n',
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: 'declared',
        Key: 'zones/region=west/b.csv',
        Body: 'id,name\n2,Newark\n',
      }),
    );
    await glue.send(
      new CreateTableCommand({
        DatabaseName: 'reference',
        TableInput: {
          Name: 'zones',
          Parameters: { 'skip.header.line.count': '1' },
          PartitionKeys: [{ Name: 'region', Type: 'string' }],
          StorageDescriptor: {
            Location: 's3://declared/zones/',
            Columns: [
              { Name: 'id', Type: 'int' },
              { Name: 'name', Type: 'string' },
            ],
            SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde' },
          },
        },
      }),
    );
    await glue.send(
      new BatchCreatePartitionCommand({
        DatabaseName: 'reference',
        TableName: 'zones',
        PartitionInputList: ['east', 'west'].map((region) => ({
          Values: [region],
          StorageDescriptor: { Location: `s3://declared/zones/region=${region}/` },
        })),
      }),
    );

    // Act
    const execution = await run('SELECT id, name, region FROM zones ORDER BY id', { database: 'reference' });
    const results = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: execution.QueryExecutionId }));

    // Assert
    expect(values(results.ResultSet?.Rows)).toEqual([
      ['id', 'name', 'region'],
      ['1', 'Queens, NY', 'east'],
      ['2', 'Newark', 'west'],
    ]);
    expect(results.ResultSet?.ResultSetMetadata?.ColumnInfo?.map((column) => column.Type)).toEqual([
      'integer',
      'varchar',
      'varchar',
    ]);
  });

  it('cancels a running query on StopQueryExecution and lists the workgroup’s queries newest first', async () => {
    // Arrange
    // Two earlier queries of its own, so a page of two has a next page whatever ran before.
    const earlier = [await run('SELECT 1'), await run('SELECT 2')];
    const endless = new StartQueryExecutionCommand({
      QueryString:
        'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1000000000) SELECT count(*) FROM r',
      WorkGroup: WORKGROUP,
    });

    // Act
    const { QueryExecutionId } = await athena.send(endless);
    await athena.send(new StopQueryExecutionCommand({ QueryExecutionId }));
    const cancelled = await eventually(async () => {
      const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
      return QueryExecution?.Status?.State === 'CANCELLED' ? QueryExecution : undefined;
    }, 'the cancellation');
    const listed = await athena.send(new ListQueryExecutionsCommand({ WorkGroup: WORKGROUP, MaxResults: 2 }));

    // Assert
    expect(cancelled.Status?.CompletionDateTime).toBeInstanceOf(Date);
    expect(listed.QueryExecutionIds).toEqual([QueryExecutionId, earlier[1]?.QueryExecutionId]);
    expect(listed.NextToken).toBeDefined();
  });

  it('answers GetQueryResults from the result file after a restart, as Athena reads results from S3', async () => {
    // Arrange
    const execution = await run('SELECT count(*) AS trips FROM yellow_tripdata');
    const revived = await startLocalCloud({ stateDir: crashedCopyOf(cloud.stateDir), port: 0 });
    const client = new AthenaClient({ endpoint: revived.endpoint });
    try {
      // Act
      const results = await client.send(new GetQueryResultsCommand({ QueryExecutionId: execution.QueryExecutionId }));
      const unknown = await failure(
        client.send(new GetQueryExecutionCommand({ QueryExecutionId: '6ad0c1c8-0000-0000-0000-000000000000' })),
      );

      // Assert
      expect(values(results.ResultSet?.Rows)).toEqual([['trips'], [String(facts.records)]]);
      expect(results.ResultSet?.ResultSetMetadata?.ColumnInfo?.[0]).toMatchObject({ Name: 'trips', Type: 'bigint' });
      expect(unknown).toMatchObject({
        name: 'InvalidRequestException',
        message: 'QueryExecution 6ad0c1c8-0000-0000-0000-000000000000 was not found',
      });
    } finally {
      client.destroy();
      await revived.close();
      removeDir(revived.stateDir);
    }
  });
});
