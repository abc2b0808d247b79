import { randomUUID } from 'node:crypto';
import { inferTable, tableFiles, type InferredTable } from '@glue-cd/data-lake';
import { z } from 'zod';
import { LOCAL_ACCOUNT_ID } from '../contracts';
import { epochSeconds, jsonCopy, parseInput } from '../json-input';
import type { JsonOperation } from '../json-protocol';
import { pageByKey } from '../paging';
import { readJsonState, stateFile, writeJsonState } from '../persistence';
import { resolveS3Url } from '../s3/s3-url';
import {
  type AuthorizeAs,
  requireS3Read,
  roleSession,
  SERVICE_SESSIONS,
  servicePrincipal,
} from '../iam/service-principals';
import type { ObjectStore } from '../contracts';
import type { GlueCatalog, TableInput } from './catalog';
import {
  alreadyExists,
  crawlerNotRunning,
  crawlerRunning,
  crawlerStopping,
  entityNotFound,
  INVALID_INPUT,
  invalidInput,
} from './errors';

const Name = z.string().min(1).max(255);
const S3TargetSchema = z.looseObject({
  Path: z.string().startsWith('s3://', 'must be an s3:// URL'),
  Exclusions: z.array(z.string()).optional(),
  SampleSize: z.number().int().optional(),
});
const TargetsSchema = z.looseObject({
  S3Targets: z.array(S3TargetSchema).optional(),
  JdbcTargets: z.array(z.unknown()).optional(),
  MongoDBTargets: z.array(z.unknown()).optional(),
  DynamoDBTargets: z.array(z.unknown()).optional(),
  CatalogTargets: z.array(z.unknown()).optional(),
  DeltaTargets: z.array(z.unknown()).optional(),
  IcebergTargets: z.array(z.unknown()).optional(),
  HudiTargets: z.array(z.unknown()).optional(),
});
const SchemaChangePolicySchema = z.looseObject({
  UpdateBehavior: z.enum(['LOG', 'UPDATE_IN_DATABASE']).optional(),
  DeleteBehavior: z.enum(['LOG', 'DELETE_FROM_DATABASE', 'DEPRECATE_IN_DATABASE']).optional(),
});

// The members CreateCrawler and UpdateCrawler share (UpdateCrawler has them all optional).
const CrawlerMembersSchema = z.object({
  Role: z.string().min(1),
  DatabaseName: z.string().optional(),
  Description: z.string().max(2048).optional(),
  Targets: TargetsSchema,
  Schedule: z.string().optional(),
  Classifiers: z.array(z.string()).optional(),
  TablePrefix: z.string().max(128).optional(),
  SchemaChangePolicy: SchemaChangePolicySchema.optional(),
  RecrawlPolicy: z.looseObject({ RecrawlBehavior: z.string().optional() }).optional(),
  LineageConfiguration: z.looseObject({}).optional(),
  LakeFormationConfiguration: z.looseObject({}).optional(),
  Configuration: z.string().optional(),
  CrawlerSecurityConfiguration: z.string().optional(),
});
const CreateCrawlerSchema = CrawlerMembersSchema.extend({ Name, Tags: z.record(z.string(), z.string()).optional() });
const UpdateCrawlerSchema = CrawlerMembersSchema.partial().extend({ Name });

type CrawlerDefinition = Omit<z.infer<typeof CreateCrawlerSchema>, 'Tags' | 'Schedule'>;

/** A crawler as GetCrawler returns it. */
export type GlueCrawler = CrawlerDefinition & {
  State: 'READY' | 'RUNNING' | 'STOPPING';
  Schedule?: { ScheduleExpression: string; State: 'SCHEDULED' | 'NOT_SCHEDULED' };
  CreationTime: number;
  LastUpdated: number;
  Version: number;
  CrawlElapsedTime?: number;
  LastCrawl?: {
    Status: 'SUCCEEDED' | 'CANCELLED' | 'FAILED';
    ErrorMessage?: string;
    LogGroup: string;
    LogStream: string;
    MessagePrefix: string;
    StartTime: number;
  };
};

interface CrawlerRecord {
  crawler: GlueCrawler;
  /** Seconds each finished crawl took (for GetCrawlerMetrics' median), newest last. */
  runtimes: number[];
  lastRun?: CrawlCounts;
}

interface CrawlerState {
  crawlers: Record<string, CrawlerRecord>;
}

interface CrawlCounts {
  created: number;
  updated: number;
  deleted: number;
}

type CrawlOutcome = { status: 'SUCCEEDED' | 'CANCELLED'; counts?: CrawlCounts } | { status: 'FAILED'; error: string };

interface RunningCrawl {
  startedAt: number;
  controller: AbortController;
  done: Promise<void>;
}

const LOG_GROUP = '/aws-glue/crawlers';
const RUNTIMES_KEPT = 20;
const INTERRUPTED = 'The local cloud stopped while this crawler was running';

// What Glue's built-in classifiers write for the formats the local crawler infers.
const TEXT_INPUT_FORMAT = 'org.apache.hadoop.mapred.TextInputFormat';
const TEXT_OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';
const LAZY_SIMPLE_SERDE = 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe';
const OPEN_CSV_SERDE = 'org.apache.hadoop.hive.serde2.OpenCSVSerde';
const PARQUET_INPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat';
const PARQUET_OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat';
const PARQUET_SERDE = 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe';

const roleName = (role: string): string => role.slice(role.lastIndexOf('/') + 1);

/** The table a Glue crawler writes for one S3 target (StorageDescriptor, SerDe and crawler parameters). */
export const crawledTableInput = (inferred: InferredTable, location: string, crawlerName: string): TableInput => {
  const csv = inferred.format === 'csv';
  const parameters: Record<string, string> = {
    CrawlerSchemaDeserializerVersion: '1.0',
    CrawlerSchemaSerializerVersion: '1.0',
    UPDATED_BY_CRAWLER: crawlerName,
    averageRecordSize: String(inferred.recordCount > 0 ? Math.round(inferred.sizeBytes / inferred.recordCount) : 0),
    classification: inferred.format,
    compressionType: 'none',
    objectCount: String(inferred.files.length),
    recordCount: String(inferred.recordCount),
    sizeKey: String(inferred.sizeBytes),
    typeOfData: 'file',
    ...(csv
      ? {
          areColumnsQuoted: String(inferred.quoted),
          columnsOrdered: 'true',
          delimiter: ',',
          'skip.header.line.count': '1',
        }
      : {}),
  };
  return {
    Name: inferred.name,
    Owner: 'owner',
    Retention: 0,
    TableType: 'EXTERNAL_TABLE',
    Parameters: parameters,
    PartitionKeys: [],
    StorageDescriptor: {
      Columns: inferred.columns.map((column) => ({ Name: column.name, Type: column.type })),
      Location: location,
      InputFormat: csv ? TEXT_INPUT_FORMAT : PARQUET_INPUT_FORMAT,
      OutputFormat: csv ? TEXT_OUTPUT_FORMAT : PARQUET_OUTPUT_FORMAT,
      Compressed: false,
      NumberOfBuckets: -1,
      SerdeInfo: !csv
        ? { SerializationLibrary: PARQUET_SERDE, Parameters: { 'serialization.format': '1' } }
        : inferred.quoted
          ? { SerializationLibrary: OPEN_CSV_SERDE, Parameters: { separatorChar: ',', quoteChar: '"' } }
          : { SerializationLibrary: LAZY_SIMPLE_SERDE, Parameters: { 'field.delim': ',' } },
      BucketColumns: [],
      SortColumns: [],
      Parameters: parameters,
      StoredAsSubDirectories: false,
    },
  };
};

const median = (values: number[]): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Targets the local crawler cannot crawl are refused when the crawler is defined, naming what is missing. */
const checkTargets = (targets: z.infer<typeof TargetsSchema>): void => {
  const unsupported = Object.entries(targets)
    .filter(([kind, list]) => kind !== 'S3Targets' && Array.isArray(list) && list.length > 0)
    .map(([kind]) => kind);
  if (unsupported.length > 0) {
    throw invalidInput(`The local Glue crawls S3Targets only; ${unsupported.join(', ')} are not supported`);
  }
  for (const target of targets.S3Targets ?? []) {
    if (target.Exclusions && target.Exclusions.length > 0) {
      throw invalidInput(`The local Glue does not apply S3 target Exclusions (target ${target.Path})`);
    }
  }
};

/**
 * Glue crawlers: definitions (persisted in `state/glue-crawlers.json`) and runs. A run infers one table per S3 target
 * with the data-lake engine (DuckDB) over the local S3 folder and writes it to the catalog as a Glue crawler would;
 * it happens in the background (READY → RUNNING → STOPPING → READY) and callers poll GetCrawler, as on AWS.
 */
export class GlueCrawlers {
  private readonly file: string;
  private readonly state: CrawlerState;
  private readonly running = new Map<string, RunningCrawl>();

  constructor(
    stateDir: string,
    private readonly deps: {
      catalog: GlueCatalog;
      objects: ObjectStore;
      log: (line: string) => void;
      /** Judges what a crawl does as the crawler's role (IAM off: allows everything). */
      authorizeAs: AuthorizeAs;
    },
  ) {
    this.file = stateFile(stateDir, 'glue-crawlers');
    this.state = readJsonState<CrawlerState>(this.file, { crawlers: {} });
    let interrupted = false;
    for (const record of Object.values(this.state.crawlers)) {
      if (record.crawler.State === 'READY') continue;
      record.crawler.State = 'READY';
      delete record.crawler.CrawlElapsedTime;
      record.crawler.LastCrawl = {
        ...this.newLastCrawl(record.crawler.Name, Date.now()),
        Status: 'FAILED',
        ErrorMessage: INTERRUPTED,
      };
      interrupted = true;
    }
    if (interrupted) this.save();
  }

  private save(): void {
    writeJsonState(this.file, this.state);
  }

  private record(name: string): CrawlerRecord {
    const record = this.state.crawlers[name];
    if (!record) throw entityNotFound(`Crawler entry with name ${name} does not exist`);
    return record;
  }

  private newLastCrawl(name: string, startedAt: number): Omit<NonNullable<GlueCrawler['LastCrawl']>, 'Status'> {
    return {
      LogGroup: LOG_GROUP,
      LogStream: name,
      MessagePrefix: randomUUID(),
      StartTime: epochSeconds(new Date(startedAt)),
    };
  }

  /** A crawler's current view (CrawlElapsedTime counts while it runs). */
  get(name: string): GlueCrawler {
    const record = this.record(name);
    const crawler = jsonCopy(record.crawler);
    const run = this.running.get(name);
    if (run) crawler.CrawlElapsedTime = Date.now() - run.startedAt;
    return crawler;
  }

  create(input: z.infer<typeof CreateCrawlerSchema>): void {
    if (this.state.crawlers[input.Name]) throw alreadyExists(`${input.Name} already exists`);
    checkTargets(input.Targets);
    const now = epochSeconds();
    const { Tags: _tags, Schedule, ...definition } = input;
    this.state.crawlers[input.Name] = {
      crawler: {
        ...definition,
        State: 'READY',
        ...(Schedule ? { Schedule: { ScheduleExpression: Schedule, State: 'SCHEDULED' } } : {}),
        CreationTime: now,
        LastUpdated: now,
        Version: 1,
      },
      runtimes: [],
    };
    this.save();
  }

  update(input: z.infer<typeof UpdateCrawlerSchema>): void {
    const record = this.record(input.Name);
    if (record.crawler.State !== 'READY') throw crawlerRunning(input.Name);
    if (input.Targets) checkTargets(input.Targets);
    const { Schedule, Name: _name, ...changes } = input;
    record.crawler = {
      ...record.crawler,
      ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)),
      ...(Schedule !== undefined
        ? Schedule === ''
          ? { Schedule: undefined }
          : { Schedule: { ScheduleExpression: Schedule, State: 'SCHEDULED' as const } }
        : {}),
      LastUpdated: epochSeconds(),
      Version: record.crawler.Version + 1,
    };
    if (record.crawler.Schedule === undefined) delete record.crawler.Schedule;
    this.save();
  }

  delete(name: string): void {
    const record = this.record(name);
    if (record.crawler.State !== 'READY') throw crawlerRunning(name);
    delete this.state.crawlers[name];
    this.save();
  }

  start(name: string): void {
    const record = this.record(name);
    if (record.crawler.State !== 'READY') throw crawlerRunning(name);
    const startedAt = Date.now();
    const controller = new AbortController();
    record.crawler.State = 'RUNNING';
    this.save();
    this.deps.log(`[local-cloud] glue crawler ${name}: RUNNING`);
    const done = this.crawl(record.crawler, controller.signal).then(
      (counts) =>
        this.finish(
          name,
          startedAt,
          controller.signal.aborted ? { status: 'CANCELLED', counts } : { status: 'SUCCEEDED', counts },
        ),
      (error: unknown) =>
        this.finish(
          name,
          startedAt,
          controller.signal.aborted ? { status: 'CANCELLED' } : { status: 'FAILED', error: (error as Error).message },
        ),
    );
    this.running.set(name, { startedAt, controller, done });
  }

  stop(name: string): void {
    const record = this.record(name);
    if (record.crawler.State === 'STOPPING') throw crawlerStopping(name);
    const run = this.running.get(name);
    if (record.crawler.State !== 'RUNNING' || !run) throw crawlerNotRunning(name);
    record.crawler.State = 'STOPPING';
    this.save();
    run.controller.abort();
  }

  private finish(name: string, startedAt: number, outcome: CrawlOutcome): void {
    this.running.delete(name);
    const record = this.state.crawlers[name];
    if (!record) return;
    record.crawler.State = 'READY';
    delete record.crawler.CrawlElapsedTime;
    record.crawler.LastCrawl = {
      ...this.newLastCrawl(name, startedAt),
      Status: outcome.status,
      ...(outcome.status === 'FAILED' ? { ErrorMessage: outcome.error } : {}),
    };
    record.runtimes = [...record.runtimes, (Date.now() - startedAt) / 1000].slice(-RUNTIMES_KEPT);
    record.lastRun = (outcome.status !== 'FAILED' && outcome.counts) || { created: 0, updated: 0, deleted: 0 };
    this.save();
    this.deps.log(
      `[local-cloud] glue crawler ${name}: ${outcome.status}${outcome.status === 'FAILED' ? ` (${outcome.error})` : ''}`,
    );
  }

  /**
   * One crawl: every S3 target becomes (or updates) one table of the crawler's database. It acts as the crawler's
   * Role: every S3 read and catalog write is judged before the catalog is touched, so a denial writes nothing.
   */
  private async crawl(crawler: GlueCrawler, signal: AbortSignal): Promise<CrawlCounts> {
    const counts: CrawlCounts = { created: 0, updated: 0, deleted: 0 };
    await new Promise((resolve) => setImmediate(resolve)); // StartCrawler answers before the crawl begins
    const databaseName = crawler.DatabaseName;
    if (!databaseName) throw new Error(`Crawler ${crawler.Name} has no DatabaseName to write its tables to`);
    const principal = servicePrincipal(this.deps.authorizeAs, roleSession(crawler.Role, SERVICE_SESSIONS.crawler));
    await principal.require('glue', 'GetDatabase', { Name: databaseName });
    if (!this.deps.catalog.hasDatabase(databaseName)) {
      throw new Error(
        `Database ${databaseName} does not exist (Service: AWSGlue; Error Code: EntityNotFoundException)`,
      );
    }
    await principal.require('glue', 'GetTables', { DatabaseName: databaseName });
    const policy = crawler.SchemaChangePolicy ?? {};
    const deleteBehavior = policy.DeleteBehavior ?? 'DEPRECATE_IN_DATABASE';
    const update = (policy.UpdateBehavior ?? 'UPDATE_IN_DATABASE') === 'UPDATE_IN_DATABASE';
    const plans: { location: string; table?: TableInput }[] = [];
    for (const target of crawler.Targets.S3Targets ?? []) {
      if (signal.aborted) break;
      const folder = await resolveS3Url(this.deps.objects, target.Path);
      const location = `s3://${folder.bucket}/${folder.key === '' ? '' : `${folder.key}/`}`;
      await requireS3Read(principal, this.deps.objects, folder, { locate: true });
      const { files } = await tableFiles(folder.path);
      if (files.length === 0) {
        for (const table of this.crawledTablesAt(databaseName, location, crawler.Name)) {
          if (deleteBehavior === 'DELETE_FROM_DATABASE')
            await principal.require('glue', 'DeleteTable', { DatabaseName: databaseName, Name: table.Name });
          if (deleteBehavior === 'DEPRECATE_IN_DATABASE')
            await principal.require('glue', 'UpdateTable', { DatabaseName: databaseName, TableInput: table });
        }
        plans.push({ location });
        continue;
      }
      const table = crawledTableInput(await inferTable(folder.path, crawler.TablePrefix), location, crawler.Name);
      await principal.require('glue', 'GetTable', { DatabaseName: databaseName, Name: table.Name });
      const exists = this.deps.catalog.findTable(databaseName, table.Name) !== undefined;
      if (!exists || update)
        await principal.require('glue', exists ? 'UpdateTable' : 'CreateTable', {
          DatabaseName: databaseName,
          TableInput: table,
        });
      plans.push({ location, table });
    }
    for (const { location, table } of plans) {
      if (!table) {
        counts.deleted += this.forgetTablesAt(databaseName, location, crawler, deleteBehavior);
        continue;
      }
      const outcome = this.deps.catalog.putCrawledTable(databaseName, table, {
        update,
        createdBy: `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/${roleName(crawler.Role)}/${SERVICE_SESSIONS.crawler}`,
      });
      if (outcome === 'created') counts.created += 1;
      if (outcome === 'updated') counts.updated += 1;
    }
    return counts;
  }

  /** The tables this crawler wrote for `location`. */
  private crawledTablesAt(databaseName: string, location: string, crawlerName: string) {
    return this.deps.catalog
      .tables(databaseName)
      .filter(
        (table) =>
          table.StorageDescriptor?.Location === location && table.Parameters?.UPDATED_BY_CRAWLER === crawlerName,
      );
  }

  /** A target whose data is gone: its table is deleted, deprecated or kept, per the DeleteBehavior. */
  private forgetTablesAt(databaseName: string, location: string, crawler: GlueCrawler, behavior: string): number {
    if (behavior === 'LOG') return 0;
    const tables = this.crawledTablesAt(databaseName, location, crawler.Name);
    for (const table of tables) {
      if (behavior === 'DELETE_FROM_DATABASE') this.deps.catalog.deleteTable(databaseName, table.Name);
      else this.deps.catalog.setTableParameters(databaseName, table.Name, { DEPRECATED_BY_CRAWLER: crawler.Name });
    }
    return behavior === 'DELETE_FROM_DATABASE' ? tables.length : 0;
  }

  /** Stops every running crawl and waits until each has ended (CANCELLED). */
  async close(): Promise<void> {
    const runs = [...this.running.entries()];
    for (const [name, run] of runs) {
      const record = this.state.crawlers[name];
      if (record?.crawler.State === 'RUNNING') record.crawler.State = 'STOPPING';
      run.controller.abort();
    }
    await Promise.all(runs.map(([, run]) => run.done));
  }

  operations(): Record<string, JsonOperation> {
    const parse = <T extends z.ZodType>(schema: T, input: unknown): z.infer<T> =>
      parseInput(schema, input, INVALID_INPUT);
    const names = (): string[] => Object.keys(this.state.crawlers);
    return {
      CreateCrawler: async (raw) => {
        this.create(parse(CreateCrawlerSchema, raw));
        return {};
      },
      GetCrawler: async (raw) => ({ Crawler: this.get(parse(z.object({ Name }), raw).Name) }),
      GetCrawlers: async (raw) => {
        const input = parse(
          z.object({ MaxResults: z.number().int().min(1).max(1000).optional(), NextToken: z.string().optional() }),
          raw,
        );
        const page = pageByKey(names(), (name) => name, {
          nextToken: input.NextToken,
          maxResults: input.MaxResults,
          defaultMax: 1000,
          errorCode: INVALID_INPUT,
        });
        return {
          Crawlers: page.items.map((name) => this.get(name)),
          ...(page.nextToken ? { NextToken: page.nextToken } : {}),
        };
      },
      BatchGetCrawlers: async (raw) => {
        const input = parse(z.object({ CrawlerNames: z.array(Name).max(100) }), raw);
        const known = input.CrawlerNames.filter((name) => name in this.state.crawlers);
        return {
          Crawlers: known.map((name) => this.get(name)),
          CrawlersNotFound: input.CrawlerNames.filter((name) => !(name in this.state.crawlers)),
        };
      },
      ListCrawlers: async (raw) => {
        const input = parse(
          z.object({ MaxResults: z.number().int().min(1).max(1000).optional(), NextToken: z.string().optional() }),
          raw,
        );
        const page = pageByKey(names(), (name) => name, {
          nextToken: input.NextToken,
          maxResults: input.MaxResults,
          defaultMax: 1000,
          errorCode: INVALID_INPUT,
        });
        return { CrawlerNames: page.items, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
      },
      UpdateCrawler: async (raw) => {
        this.update(parse(UpdateCrawlerSchema, raw));
        return {};
      },
      DeleteCrawler: async (raw) => {
        this.delete(parse(z.object({ Name }), raw).Name);
        return {};
      },
      StartCrawler: async (raw) => {
        this.start(parse(z.object({ Name }), raw).Name);
        return {};
      },
      StopCrawler: async (raw) => {
        this.stop(parse(z.object({ Name }), raw).Name);
        return {};
      },
      GetCrawlerMetrics: async (raw) => {
        const input = parse(
          z.object({
            CrawlerNameList: z.array(Name).max(100).optional(),
            MaxResults: z.number().int().min(1).max(1000).optional(),
            NextToken: z.string().optional(),
          }),
          raw,
        );
        const selected = input.CrawlerNameList
          ? names().filter((name) => input.CrawlerNameList!.includes(name))
          : names();
        const page = pageByKey(selected, (name) => name, {
          nextToken: input.NextToken,
          maxResults: input.MaxResults,
          defaultMax: 1000,
          errorCode: INVALID_INPUT,
        });
        return {
          CrawlerMetricsList: page.items.map((name) => {
            const record = this.record(name);
            return {
              CrawlerName: name,
              TimeLeftSeconds: 0,
              StillEstimating: false,
              LastRuntimeSeconds: record.runtimes.at(-1) ?? 0,
              MedianRuntimeSeconds: median(record.runtimes),
              TablesCreated: record.lastRun?.created ?? 0,
              TablesUpdated: record.lastRun?.updated ?? 0,
              TablesDeleted: record.lastRun?.deleted ?? 0,
            };
          }),
          ...(page.nextToken ? { NextToken: page.nextToken } : {}),
        };
      },
    };
  }
}
