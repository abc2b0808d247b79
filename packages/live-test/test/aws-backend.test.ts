import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type GetQueryResultsCommandOutput,
} from '@aws-sdk/client-athena';
import {
  GetCrawlerCommand,
  GetJobRunCommand,
  GlueClient,
  StartCrawlerCommand,
  StartJobRunCommand,
} from '@aws-sdk/client-glue';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CLOCK_SKEW_MS,
  DEFAULT_POLL_INTERVAL_MS,
  FIRST_POLL_INTERVAL_MS,
  CrawlerRunError,
  JobRunError,
  LiveTestTimeoutError,
  QUERY_CONCURRENCY,
  QueryError,
  createAwsBackend,
  loadValidationRules,
  runLiveTest,
} from '@glue-cd/live-test';
import { SAMPLE_FILE, VALIDATION_FILE, fakeCrawlers, manualClock, outputs, readSample } from './fixtures';

const glue = mockClient(GlueClient);
const athena = mockClient(AthenaClient);
const s3 = mockClient(S3Client);

// Time is the test's: every poll moves the clock by the poll interval, nothing waits for real.
let clock: ReturnType<typeof manualClock>;
const POLL_MS = 5_000;
const backend = (timeoutMs = 10 * 60_000) =>
  createAwsBackend({
    glue: new GlueClient({}),
    athena: new AthenaClient({}),
    s3: new S3Client({}),
    workGroup: 'wg-test',
    pollIntervalMs: POLL_MS,
    timeoutMs,
    clock,
  });
/** A moment relative to the test clock's start (when runCrawler is called). */
const at = (offsetMs: number) => new Date(clock.now() + offsetMs);

const textBody = (text: string) =>
  ({ transformToString: async () => text }) as unknown as GetObjectCommandOutput['Body'];

/** One page of Athena results; the first page starts with the column labels, as Athena does for SELECT. */
const resultsPage = (
  columns: { name: string; type: string }[],
  rows: (string | undefined)[][],
  { first, nextToken }: { first: boolean; nextToken?: string },
): Partial<GetQueryResultsCommandOutput> => ({
  NextToken: nextToken,
  ResultSet: {
    ResultSetMetadata: { ColumnInfo: columns.map(({ name, type }) => ({ Name: name, Label: name, Type: type })) },
    Rows: [...(first ? [columns.map(({ name }) => name)] : []), ...rows].map((row) => ({
      Data: row.map((value) => ({ VarCharValue: value })),
    })),
  },
});

beforeEach(() => {
  clock = manualClock();
  glue.reset();
  athena.reset();
  s3.reset();
});

describe('AWS backend: crawlers', () => {
  it('polls GetCrawler until the crawler is READY again with LastCrawl SUCCEEDED', async () => {
    glue.on(StartCrawlerCommand).resolves({});
    glue
      .on(GetCrawlerCommand)
      .resolvesOnce({ Crawler: { State: 'RUNNING' } })
      .resolvesOnce({ Crawler: { State: 'STOPPING' } })
      .resolves({ Crawler: { State: 'READY', LastCrawl: { Status: 'SUCCEEDED', StartTime: at(1_000) } } });

    await expect(backend().runCrawler('raw-crawler')).resolves.toEqual({
      crawlerName: 'raw-crawler',
      status: 'SUCCEEDED',
    });
    expect(glue.commandCalls(StartCrawlerCommand)[0]?.args[0].input).toEqual({ Name: 'raw-crawler' });
    expect(glue.commandCalls(GetCrawlerCommand)).toHaveLength(3);
  });

  it('does not mistake the previous crawl for this one', async () => {
    glue.on(StartCrawlerCommand).resolves({});
    glue
      .on(GetCrawlerCommand)
      .resolvesOnce({ Crawler: { State: 'READY', LastCrawl: { Status: 'FAILED', StartTime: at(-3_600_000) } } })
      .resolvesOnce({ Crawler: { State: 'RUNNING' } })
      .resolves({ Crawler: { State: 'READY', LastCrawl: { Status: 'SUCCEEDED', StartTime: at(1_000) } } });

    await expect(backend().runCrawler('raw-crawler')).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(glue.commandCalls(GetCrawlerCommand)).toHaveLength(3);
  });

  // GetCrawler may answer READY before it shows the new crawl: a crawl counts as ours when it started no earlier than
  // CLOCK_SKEW_MS before the request (the two clocks differ), or when the crawler was seen running since.
  it.each([
    ['at the request', 0, 'ours'],
    [`${CLOCK_SKEW_MS} ms before the request (the skew allowed)`, -CLOCK_SKEW_MS, 'ours'],
    [`${CLOCK_SKEW_MS + 1} ms before the request`, -CLOCK_SKEW_MS - 1, 'an earlier crawl'],
  ] as const)('a READY crawler whose last crawl started %s: %s', async (_case, offsetMs, verdict) => {
    glue.on(StartCrawlerCommand).resolves({});
    glue
      .on(GetCrawlerCommand)
      .resolves({ Crawler: { State: 'READY', LastCrawl: { Status: 'SUCCEEDED', StartTime: at(offsetMs) } } });

    const run = backend(60_000).runCrawler('raw-crawler');

    if (verdict === 'ours') {
      await expect(run).resolves.toEqual({ crawlerName: 'raw-crawler', status: 'SUCCEEDED' });
      expect(glue.commandCalls(GetCrawlerCommand)).toHaveLength(1);
    } else {
      // It never becomes ours: the crawl it waits for is not the one GetCrawler shows.
      await expect(run).rejects.toThrow(new LiveTestTimeoutError('Crawler raw-crawler did not finish within 60000 ms'));
      expect(glue.commandCalls(GetCrawlerCommand)).toHaveLength(60_000 / POLL_MS + 1);
    }
  });

  it('names the crawler, status, error message and logs of a failed crawl', async () => {
    glue.on(StartCrawlerCommand).resolves({});
    glue
      .on(GetCrawlerCommand)
      .resolvesOnce({ Crawler: { State: 'RUNNING' } })
      .resolves({
        Crawler: {
          State: 'READY',
          LastCrawl: {
            Status: 'FAILED',
            ErrorMessage: 'Access Denied on s3://raw/nyc-taxi/',
            LogGroup: '/aws-glue/crawlers',
            LogStream: 'raw-crawler',
            StartTime: at(1_000),
          },
        },
      });

    const run = backend().runCrawler('raw-crawler');
    await expect(run).rejects.toThrow(CrawlerRunError);
    await expect(run).rejects.toThrow(
      'Crawler raw-crawler ended FAILED: Access Denied on s3://raw/nyc-taxi/ (logs: /aws-glue/crawlers raw-crawler)',
    );
  });

  it('waits for a crawl already running, then starts its own', async () => {
    const running = Object.assign(new Error('Crawler with name raw-crawler has already started'), {
      name: 'CrawlerRunningException',
    });
    glue.on(StartCrawlerCommand).rejectsOnce(running).resolves({});
    glue
      .on(GetCrawlerCommand)
      .resolvesOnce({ Crawler: { State: 'RUNNING' } })
      .resolvesOnce({ Crawler: { State: 'READY', LastCrawl: { Status: 'SUCCEEDED', StartTime: at(-3_600_000) } } })
      .resolvesOnce({ Crawler: { State: 'RUNNING' } })
      .resolves({ Crawler: { State: 'READY', LastCrawl: { Status: 'SUCCEEDED', StartTime: at(1_000) } } });

    await expect(backend().runCrawler('raw-crawler')).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(glue.commandCalls(StartCrawlerCommand)).toHaveLength(2);
  });
});

describe('AWS backend: job runs', () => {
  it('returns the run id once the run SUCCEEDED', async () => {
    glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_123' });
    glue
      .on(GetJobRunCommand)
      .resolvesOnce({ JobRun: { JobRunState: 'STARTING' } })
      .resolvesOnce({ JobRun: { JobRunState: 'RUNNING' } })
      .resolves({ JobRun: { JobRunState: 'SUCCEEDED' } });

    await expect(backend().runJob('nyc-taxi')).resolves.toEqual({
      jobName: 'nyc-taxi',
      runId: 'jr_123',
      state: 'SUCCEEDED',
    });
    expect(glue.commandCalls(GetJobRunCommand)[0]?.args[0].input).toEqual({ JobName: 'nyc-taxi', RunId: 'jr_123' });
  });

  it.each(['FAILED', 'TIMEOUT', 'ERROR', 'STOPPED'] as const)(
    'surfaces the ErrorMessage of a %s run',
    async (state) => {
      glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_456' });
      glue
        .on(GetJobRunCommand)
        .resolvesOnce({ JobRun: { JobRunState: 'RUNNING' } })
        .resolves({
          JobRun: {
            JobRunState: state,
            ErrorMessage: 'ColumnMappingError: Mapped source columns missing: fare_amount',
          },
        });

      const run = backend().runJob('nyc-taxi');
      await expect(run).rejects.toThrow(JobRunError);
      await expect(run).rejects.toThrow(
        `Job nyc-taxi run jr_456 ended ${state}: ColumnMappingError: Mapped source columns missing: fare_amount`,
      );
    },
  );

  it('gives up after timeoutMs with a named timeout, having polled until the deadline', async () => {
    glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_789' });
    glue.on(GetJobRunCommand).resolves({ JobRun: { JobRunState: 'RUNNING' } });
    const started = clock.now();

    await expect(backend(20_000).runJob('nyc-taxi')).rejects.toThrow(
      new LiveTestTimeoutError('Job nyc-taxi run jr_789 did not finish within 20000 ms'),
    );

    // Polls at 0, 5, 10, 15 and 20 s, then stops: the deadline, not the number of polls, ends the wait.
    expect(glue.commandCalls(GetJobRunCommand)).toHaveLength(5);
    expect(clock.now() - started).toBe(20_000);
  });

  it('without a fixed interval, polls after 50 ms and backs off to every 5 s (a short local run ends within a few polls)', async () => {
    glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_321' });
    const running = { JobRun: { JobRunState: 'RUNNING' as const } };
    glue
      .on(GetJobRunCommand)
      .resolvesOnce(running)
      .resolvesOnce(running)
      .resolvesOnce(running)
      .resolvesOnce(running)
      .resolvesOnce(running)
      .resolvesOnce(running)
      .resolvesOnce(running)
      .resolvesOnce(running)
      .resolvesOnce(running)
      .resolves({ JobRun: { JobRunState: 'SUCCEEDED' } });
    const sleeps: number[] = [];
    const recording = { now: clock.now, sleep: async (ms: number) => (sleeps.push(ms), clock.sleep(ms)) };

    const run = await createAwsBackend({
      glue: new GlueClient({}),
      athena: new AthenaClient({}),
      s3: new S3Client({}),
      workGroup: 'wg-test',
      clock: recording,
    }).runJob('nyc-taxi');

    expect(run).toEqual({ jobName: 'nyc-taxi', runId: 'jr_321', state: 'SUCCEEDED' });
    expect(sleeps).toEqual([
      FIRST_POLL_INTERVAL_MS,
      100,
      200,
      400,
      800,
      1_600,
      3_200,
      DEFAULT_POLL_INTERVAL_MS,
      DEFAULT_POLL_INTERVAL_MS,
    ]);
  });
});

describe('AWS backend: Athena queries', () => {
  it('runs in the workgroup and database, polls, and reads every result page as typed rows', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    const columns = [
      { name: 'vendor_id', type: 'integer' },
      { name: 'records', type: 'bigint' },
      { name: 'fares', type: 'decimal' },
      { name: 'stored', type: 'boolean' },
      { name: 'first_pickup', type: 'timestamp' },
    ];
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: undefined })
      .resolves(
        resultsPage(columns, [['1', '2669', '41321.50', 'false', '2019-01-01 00:00:50.000']], {
          first: true,
          nextToken: 'page-2',
        }),
      )
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 'page-2' })
      .resolves(resultsPage(columns, [['2', '4831', '61000.25', 'true', undefined]], { first: false }));

    const rows = await backend().query(
      'taxi_lake',
      'SELECT vendor_id, count(*) AS records FROM yellow_tripdata GROUP BY 1',
    );

    expect(rows).toEqual([
      { vendor_id: 1, records: 2669, fares: 41321.5, stored: false, first_pickup: '2019-01-01 00:00:50.000' },
      { vendor_id: 2, records: 4831, fares: 61000.25, stored: true, first_pickup: null },
    ]);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input).toEqual({
      QueryString: 'SELECT vendor_id, count(*) AS records FROM yellow_tripdata GROUP BY 1',
      WorkGroup: 'wg-test',
      QueryExecutionContext: { Database: 'taxi_lake' },
    });
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(2);
  });

  it('names the query id and Athena error of a failed query', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-2' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: {
          State: 'FAILED',
          AthenaError: { ErrorMessage: "COLUMN_NOT_FOUND: line 1:8: Column 'tip_percent' cannot be resolved" },
        },
      },
    });
    const query = backend().query('taxi_lake', 'SELECT tip_percent FROM yellow_tripdata');
    await expect(query).rejects.toThrow(QueryError);
    await expect(query).rejects.toThrow(
      "Athena query q-2 FAILED in workgroup wg-test: COLUMN_NOT_FOUND: line 1:8: Column 'tip_percent' cannot be resolved",
    );
  });
});

describe('AWS backend: S3', () => {
  it('reads every object under a prefix across ListObjectsV2 pages', async () => {
    s3.on(ListObjectsV2Command, { Bucket: 'lake', Prefix: 'rejects/', ContinuationToken: undefined })
      .resolves({
        IsTruncated: true,
        NextContinuationToken: 't2',
        Contents: [{ Key: 'rejects/_SUCCESS' }, { Key: 'rejects/part-0.csv' }],
      })
      .on(ListObjectsV2Command, { Bucket: 'lake', Prefix: 'rejects/', ContinuationToken: 't2' })
      .resolves({ IsTruncated: false, Contents: [{ Key: 'rejects/part-1.csv' }] });
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({ Body: textBody(`body of ${input.Key}`) }));

    expect(await backend().readObjects('lake', 'rejects/')).toEqual([
      { key: 'rejects/_SUCCESS', text: 'body of rejects/_SUCCESS' },
      { key: 'rejects/part-0.csv', text: 'body of rejects/part-0.csv' },
      { key: 'rejects/part-1.csv', text: 'body of rejects/part-1.csv' },
    ]);
  });
});

describe('runLiveTest with the AWS backend', () => {
  it('seeds through the given S3 client, runs crawler, job, crawler in order and evaluates the rules on Athena answers, four queries at a time', async () => {
    const validation = await loadValidationRules(VALIDATION_FILE);
    const sample = await readSample();
    const records = String(sample.rows.length);
    s3.on(PutObjectCommand).resolves({});
    s3.on(ListObjectsV2Command).resolves({
      Contents: [
        { Key: 'rejects/nyc-taxi/yellow_tripdata/_SUCCESS' },
        { Key: 'rejects/nyc-taxi/yellow_tripdata/part-00000-c000.csv' },
      ],
    });
    s3.on(GetObjectCommand).resolves({ Body: textBody('VendorID,reject_reason\n') });
    const crawlers = fakeCrawlers(glue, clock.now);
    glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_live' });
    glue.on(GetJobRunCommand).resolves({ JobRun: { JobRunState: 'SUCCEEDED' } });
    // Every query answers with the full record count, zero nulls and zero out-of-range values, with in-range extremes.
    const queries: { sql: string; database: string }[] = [];
    const inFlight = new Set<string>();
    let mostInFlight = 0;
    athena
      .on(StartQueryExecutionCommand)
      .callsFake((input: { QueryString: string; QueryExecutionContext: { Database: string } }) => {
        queries.push({ sql: input.QueryString, database: input.QueryExecutionContext.Database });
        inFlight.add(`q-${queries.length}`);
        mostInFlight = Math.max(mostInFlight, inFlight.size);
        return { QueryExecutionId: `q-${queries.length}` };
      });
    // Each query is RUNNING at its first poll: the live test waits on several at once.
    const polled = new Set<string>();
    athena.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => {
      const first = !polled.has(input.QueryExecutionId);
      polled.add(input.QueryExecutionId);
      return { QueryExecution: { Status: { State: first ? 'RUNNING' : 'SUCCEEDED' } } };
    });
    athena.on(GetQueryResultsCommand).callsFake((input: { QueryExecutionId: string }) => {
      inFlight.delete(input.QueryExecutionId);
      const sql = queries[Number(input.QueryExecutionId.slice(2)) - 1]?.sql ?? '';
      if (sql.includes('outside_count')) {
        return resultsPage(
          [
            { name: 'value_count', type: 'bigint' },
            { name: 'min_value', type: 'double' },
            { name: 'max_value', type: 'double' },
            { name: 'outside_count', type: 'bigint' },
          ],
          [[records, '1', '9', '0']],
          { first: true },
        );
      }
      if (sql.includes('nulls_0')) {
        const columns = [
          { name: 'record_count', type: 'bigint' },
          ...validation.requiredColumnsComplete.map((_column, index) => ({ name: `nulls_${index}`, type: 'bigint' })),
        ];
        return resultsPage(columns, [[records, ...validation.requiredColumnsComplete.map(() => '0')]], { first: true });
      }
      return resultsPage([{ name: 'record_count', type: 'bigint' }], [[records]], { first: true });
    });

    const report = await runLiveTest({
      backend: backend(),
      outputs,
      validation,
      seed: { sampleFile: SAMPLE_FILE, s3: new S3Client({}) },
    });

    expect(report.passed).toBe(true);
    expect(report.counts).toEqual({
      seeded: sample.rows.length,
      raw: sample.rows.length,
      transformed: sample.rows.length,
      rejected: 0,
    });
    expect(report.jobRunId).toBe('jr_live');
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: outputs.RawBucketName,
      Key: 'nyc-taxi/yellow_tripdata/yellow_tripdata_7500_lines_sample_2019-01.csv',
    });
    expect(crawlers.started).toEqual([outputs.RawCrawlerName, outputs.DataLakeCrawlerName]);
    expect(queries.slice(0, 2)).toEqual([
      { sql: 'SELECT count(*) AS record_count FROM "yellow_tripdata"', database: outputs.RawDatabaseName },
      { sql: 'SELECT count(*) AS record_count FROM "yellow_tripdata"', database: outputs.DataLakeDatabaseName },
    ]);
    expect(queries.slice(2).every((query) => query.database === outputs.DataLakeDatabaseName)).toBe(true);
    // The counts and the rules' queries run together, QUERY_CONCURRENCY at a time; the checks keep the rules' order.
    expect(mostInFlight).toBe(QUERY_CONCURRENCY);
    expect(report.checks.map((check) => check.rule)).toEqual([
      'seededRecordsCrawled',
      'recordCount',
      'requiredColumnsComplete',
      ...validation.valueRanges.map((rule) => expect.stringMatching(new RegExp(`^valueRange ${rule.column} `))),
    ]);
  });

  it('stops with the job failure when the Glue job run fails', async () => {
    const validation = await loadValidationRules(VALIDATION_FILE);
    s3.on(PutObjectCommand).resolves({});
    const crawlers = fakeCrawlers(glue, clock.now);
    glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_bad' });
    glue
      .on(GetJobRunCommand)
      .resolves({ JobRun: { JobRunState: 'FAILED', ErrorMessage: 'AnalysisException: Path does not exist' } });

    await expect(
      runLiveTest({ backend: backend(), outputs, validation, seed: { sampleFile: SAMPLE_FILE, s3: new S3Client({}) } }),
    ).rejects.toThrow(`Job ${outputs.JobName} run jr_bad ended FAILED: AnalysisException: Path does not exist`);
    // The data-lake crawler never runs on a failed job's output, and nothing is queried.
    expect(crawlers.started).toEqual([outputs.RawCrawlerName]);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });
});
