import { randomUUID } from 'node:crypto';
import { queryTables, SqlQueryError, type ResultColumn } from '@glue-cd/data-lake';
import { parseS3Url } from '@glue-cd/core';
import { z } from 'zod';
import type { ObjectStore } from '../contracts';
import type { GlueCatalog } from '../glue/catalog';
import { epochSeconds, jsonCopy, parseInput } from '../json-input';
import type { JsonOperation } from '../json-protocol';
import { decodeToken, encodeToken } from '../paging';
import { readJsonState, stateFile, writeJsonState } from '../persistence';
import type { Actor } from '../iam/enforcer';
import { type AuthorizeAs, callerOf, type ServicePrincipal, servicePrincipal } from '../iam/service-principals';
import { INVALID_REQUEST, invalidRequest } from './errors';
import { asOutputDenial, asQueryDenial, PERMISSION_DENIED } from './query-denials';
import { glueTableCatalog } from './glue-tables';
import { decodeCsv, decodeText, encodeCsv, encodeText, type ResultRow } from './results-file';
import { ENGINE_VERSION, PRIMARY_WORKGROUP, type WorkGroups } from './workgroups';

type QueryState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** A query execution as GetQueryExecution returns it. */
export interface QueryExecution {
  QueryExecutionId: string;
  Query: string;
  StatementType: 'DDL' | 'DML' | 'UTILITY';
  SubstatementType?: string;
  ResultConfiguration: { OutputLocation: string; EncryptionConfiguration?: unknown };
  ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: boolean } };
  QueryExecutionContext: { Database?: string; Catalog?: string };
  Status: {
    State: QueryState;
    StateChangeReason?: string;
    SubmissionDateTime: number;
    CompletionDateTime?: number;
    AthenaError?: { ErrorCategory: number; Retryable: boolean; ErrorMessage: string };
  };
  Statistics: Record<string, unknown>;
  WorkGroup: string;
  EngineVersion: typeof ENGINE_VERSION;
}

interface QueryRecord {
  execution: QueryExecution;
  /** The result columns (kept for GetQueryResults' ColumnInfo; the rows live in the result file in S3). */
  columns?: ResultColumn[];
  clientRequestToken?: string;
}

interface QueryExecutionState {
  /** Newest first. */
  executions: QueryRecord[];
}

const StartSchema = z.object({
  QueryString: z.string().min(1).max(262144),
  ClientRequestToken: z.string().min(32).max(128).optional(),
  QueryExecutionContext: z.object({ Database: z.string().optional(), Catalog: z.string().optional() }).optional(),
  ResultConfiguration: z
    .looseObject({
      OutputLocation: z.string().startsWith('s3://', 'must be an s3:// URL').optional(),
      EncryptionConfiguration: z.unknown().optional(),
    })
    .optional(),
  WorkGroup: z.string().optional(),
  ExecutionParameters: z.array(z.string()).optional(),
  ResultReuseConfiguration: z.unknown().optional(),
});

const QueryExecutionId = z.string().min(1).max(128);
const HISTORY_KEPT = 1000;
const CACHED_RESULTS = 20;
const INTERRUPTED = 'The local cloud stopped while this query was running';
// Athena's ErrorCategory for a query that failed because of its user (1 is system, 3 other).
const USER_ERROR = 2;

const SHOW_TABLES = /^\s*SHOW\s+TABLES(?:\s+(?:IN|FROM)\s+`?([\w-]+)`?)?(?:\s+'([^']*)')?\s*;?\s*$/i;
const SHOW_DATABASES = /^\s*SHOW\s+(?:DATABASES|SCHEMAS)(?:\s+LIKE\s+'([^']*)')?\s*;?\s*$/i;

/** Statement and substatement types as Athena reports them. */
const statementTypes = (sql: string): { StatementType: QueryExecution['StatementType']; SubstatementType: string } => {
  if (SHOW_TABLES.test(sql)) return { StatementType: 'UTILITY', SubstatementType: 'SHOW_TABLES' };
  if (SHOW_DATABASES.test(sql)) return { StatementType: 'UTILITY', SubstatementType: 'SHOW_DATABASES' };
  const keyword = /^\s*(?:\(\s*)*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '';
  if (['CREATE', 'DROP', 'ALTER', 'MSCK', 'DESCRIBE', 'SHOW'].includes(keyword))
    return { StatementType: 'DDL', SubstatementType: keyword === 'CREATE' ? 'CREATE_TABLE' : keyword };
  if (['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'UNLOAD'].includes(keyword))
    return { StatementType: 'DML', SubstatementType: keyword };
  return { StatementType: 'DML', SubstatementType: 'SELECT' };
};

/** Athena's `SHOW ... 'pattern'`: `*` is any text, `|` separates alternatives. */
const showPattern = (pattern: string | undefined): ((name: string) => boolean) => {
  if (pattern === undefined) return () => true;
  const alternatives = pattern.split('|').map((part) =>
    part
      .trim()
      .replace(/[.+?^${}()[\]\\]/g, '\\$&')
      .replaceAll('*', '.*'),
  );
  const regex = new RegExp(`^(?:${alternatives.join('|')})$`, 'i');
  return (name) => regex.test(name);
};

const columnInfo = (column: ResultColumn): Record<string, unknown> => ({
  CatalogName: 'hive',
  SchemaName: '',
  TableName: '',
  Name: column.name,
  Label: column.name,
  Type: column.type,
  Precision: column.precision,
  Scale: column.scale,
  Nullable: 'UNKNOWN',
  CaseSensitive: column.type === 'varchar',
});

const folderUrl = (location: string): string => (location.endsWith('/') ? location : `${location}/`);

interface RunningQuery {
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Athena query executions, persisted in `state/athena-queries.json`. A query runs in the background (QUEUED →
 * RUNNING → SUCCEEDED / FAILED / CANCELLED) on DuckDB over the local Glue catalog's tables; its rows are written to
 * `<output location><id>.csv` in the local S3, which is where GetQueryResults reads them from, as Athena does.
 */
export class QueryExecutions {
  private readonly file: string;
  private readonly state: QueryExecutionState;
  private readonly running = new Map<string, RunningQuery>();
  private readonly results = new Map<string, ResultRow[]>();

  constructor(
    stateDir: string,
    private readonly deps: {
      workGroups: WorkGroups;
      catalog: GlueCatalog;
      objects: ObjectStore;
      log: (line: string) => void;
      /** Judges what a query reads and writes as its caller (IAM off: allows everything). */
      authorizeAs: AuthorizeAs;
    },
  ) {
    this.file = stateFile(stateDir, 'athena-queries');
    this.state = readJsonState<QueryExecutionState>(this.file, { executions: [] });
    let interrupted = false;
    for (const record of this.state.executions) {
      const { Status } = record.execution;
      if (Status.State !== 'QUEUED' && Status.State !== 'RUNNING') continue;
      this.end(record, 'FAILED', INTERRUPTED);
      interrupted = true;
    }
    if (interrupted) this.save();
  }

  private save(): void {
    writeJsonState(this.file, this.state);
  }

  private record(id: string): QueryRecord {
    const record = this.state.executions.find((candidate) => candidate.execution.QueryExecutionId === id);
    if (!record) throw invalidRequest(`QueryExecution ${id} was not found`, 'RESOURCE_NOT_FOUND');
    return record;
  }

  get(id: string): QueryExecution {
    return jsonCopy(this.record(id).execution);
  }

  private end(record: QueryRecord, state: QueryState, reason?: string): void {
    const status = record.execution.Status;
    status.State = state;
    status.CompletionDateTime = epochSeconds();
    if (reason !== undefined) {
      status.StateChangeReason = reason;
      if (state === 'FAILED')
        status.AthenaError = { ErrorCategory: USER_ERROR, Retryable: false, ErrorMessage: reason };
    }
    const total = Math.round((status.CompletionDateTime - status.SubmissionDateTime) * 1000);
    record.execution.Statistics = { ...record.execution.Statistics, TotalExecutionTimeInMillis: total };
  }

  /** Starts a query that reads and writes as `caller` (the principal of StartQueryExecution). */
  start(input: z.infer<typeof StartSchema>, caller: Actor = { kind: 'root' }): string {
    const workGroupName = input.WorkGroup ?? PRIMARY_WORKGROUP;
    const workGroup = this.deps.workGroups.get(workGroupName);
    if (workGroup.State === 'DISABLED') throw invalidRequest(`WorkGroup ${workGroupName} is disabled.`);
    if (input.ClientRequestToken !== undefined) {
      const previous = this.state.executions.find((record) => record.clientRequestToken === input.ClientRequestToken);
      if (previous) {
        if (previous.execution.Query !== input.QueryString) {
          throw invalidRequest('Idempotent parameters do not match', 'INVALID_INPUT');
        }
        return previous.execution.QueryExecutionId;
      }
    }
    if (input.ExecutionParameters && input.ExecutionParameters.length > 0) {
      throw invalidRequest('The local Athena does not support ExecutionParameters (parameterized queries)');
    }
    const fromWorkGroup = workGroup.Configuration.ResultConfiguration ?? {};
    const fromRequest = input.ResultConfiguration ?? {};
    const [first, second] = workGroup.Configuration.EnforceWorkGroupConfiguration
      ? [fromWorkGroup, fromRequest]
      : [fromRequest, fromWorkGroup];
    const outputFolder = first.OutputLocation ?? second.OutputLocation;
    if (!outputFolder) {
      throw invalidRequest(
        'No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.',
      );
    }
    const encryption = first.EncryptionConfiguration ?? second.EncryptionConfiguration;
    const id = randomUUID();
    const types = statementTypes(input.QueryString);
    const record: QueryRecord = {
      execution: {
        QueryExecutionId: id,
        Query: input.QueryString,
        ...types,
        ResultConfiguration: {
          OutputLocation: `${folderUrl(outputFolder)}${id}.${types.StatementType === 'UTILITY' ? 'txt' : 'csv'}`,
          ...(encryption ? { EncryptionConfiguration: encryption } : {}),
        },
        ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: false } },
        QueryExecutionContext: input.QueryExecutionContext ?? {},
        Status: { State: 'QUEUED', SubmissionDateTime: epochSeconds() },
        Statistics: {},
        WorkGroup: workGroupName,
        EngineVersion: ENGINE_VERSION,
      },
      ...(input.ClientRequestToken !== undefined ? { clientRequestToken: input.ClientRequestToken } : {}),
    };
    this.state.executions.unshift(record);
    this.state.executions.splice(HISTORY_KEPT);
    this.save();
    const controller = new AbortController();
    const principal = servicePrincipal(this.deps.authorizeAs, caller);
    const done = this.execute(
      record,
      controller.signal,
      workGroup.Configuration.BytesScannedCutoffPerQuery,
      principal,
    ).finally(() => this.running.delete(id));
    this.running.set(id, { controller, done });
    return id;
  }

  private async execute(
    record: QueryRecord,
    signal: AbortSignal,
    bytesCutoff: number | undefined,
    principal: ServicePrincipal,
  ): Promise<void> {
    const execution = record.execution;
    const id = execution.QueryExecutionId;
    try {
      await new Promise((resolve) => setImmediate(resolve)); // StartQueryExecution answers while QUEUED
      if (signal.aborted) throw new SqlQueryError('CANCELLED', 'Query was cancelled');
      const started = Date.now();
      execution.Status.State = 'RUNNING';
      this.save();
      const queuedMillis = Math.round(started - execution.Status.SubmissionDateTime * 1000);
      const { columns, rows, scannedBytes, header } = await this.evaluate(execution, signal, principal);
      if (bytesCutoff !== undefined && scannedBytes > bytesCutoff) {
        throw new SqlQueryError(
          'GENERIC_USER_ERROR',
          `Bytes scanned limit was exceeded: the query read ${scannedBytes} bytes, the workgroup allows ${bytesCutoff}`,
        );
      }
      const body =
        execution.StatementType === 'UTILITY'
          ? encodeText(rows)
          : encodeCsv(
              columns.map((column) => column.name),
              rows,
            );
      await this.writeResult(execution.ResultConfiguration.OutputLocation, body, principal);
      if (signal.aborted) throw new SqlQueryError('CANCELLED', 'Query was cancelled');
      record.columns = columns;
      this.cache(id, header ? [columns.map((column) => column.name), ...rows] : rows);
      const engineMillis = Date.now() - started;
      execution.Statistics = {
        EngineExecutionTimeInMillis: engineMillis,
        DataScannedInBytes: scannedBytes,
        QueryQueueTimeInMillis: Math.max(0, queuedMillis),
        ServicePreProcessingTimeInMillis: 0,
        QueryPlanningTimeInMillis: 0,
        ServiceProcessingTimeInMillis: 0,
        ResultReuseInformation: { ReusedPreviousResult: false },
      };
      this.end(record, 'SUCCEEDED');
    } catch (error) {
      if (signal.aborted) this.end(record, 'CANCELLED', 'Query was cancelled by the user');
      else if (error instanceof SqlQueryError && error.code === PERMISSION_DENIED)
        this.end(record, 'FAILED', error.message);
      else if (error instanceof SqlQueryError) this.end(record, 'FAILED', `${error.code}: ${error.message}`);
      else this.end(record, 'FAILED', `GENERIC_INTERNAL_ERROR: ${(error as Error).message}`);
    } finally {
      this.save();
      const status = execution.Status;
      this.deps.log(
        `[local-cloud] athena query ${id}: ${status.State}${status.StateChangeReason ? ` (${status.StateChangeReason})` : ''}`,
      );
    }
  }

  /** A statement's result: SHOW from the catalog, everything else on DuckDB. */
  private async evaluate(
    execution: QueryExecution,
    signal: AbortSignal,
    principal: ServicePrincipal,
  ): Promise<{ columns: ResultColumn[]; rows: ResultRow[]; scannedBytes: number; header: boolean }> {
    const defaultDatabase = execution.QueryExecutionContext.Database ?? 'default';
    const catalogName = (execution.QueryExecutionContext.Catalog ?? 'AwsDataCatalog').toLowerCase();
    if (catalogName !== 'awsdatacatalog') {
      throw new SqlQueryError('NOT_SUPPORTED', `Catalog ${catalogName} does not exist locally (only AwsDataCatalog)`);
    }
    const string = (name: string): ResultColumn => ({ name, type: 'string', precision: 0, scale: 0 });
    const tables = SHOW_TABLES.exec(execution.Query);
    if (tables) {
      const database = (tables[1] ?? defaultDatabase).toLowerCase();
      await asQueryDenial(principal.require('glue', 'GetTables', { DatabaseName: database }));
      if (!this.deps.catalog.hasDatabase(database)) {
        throw new SqlQueryError('SCHEMA_NOT_FOUND', `Database ${database} does not exist`);
      }
      const matches = showPattern(tables[2]);
      const names = this.deps.catalog.tables(database).map((table) => table.Name);
      return {
        columns: [string('tab_name')],
        rows: names
          .filter(matches)
          .sort()
          .map((name) => [name]),
        scannedBytes: 0,
        header: false,
      };
    }
    const databases = SHOW_DATABASES.exec(execution.Query);
    if (databases) {
      await asQueryDenial(principal.require('glue', 'GetDatabases', {}));
      const matches = showPattern(databases[1]);
      const names = this.deps.catalog.databases().map((database) => database.Name);
      return {
        columns: [string('database_name')],
        rows: names
          .filter(matches)
          .sort()
          .map((name) => [name]),
        scannedBytes: 0,
        header: false,
      };
    }
    const result = await queryTables({
      sql: execution.Query,
      catalog: glueTableCatalog(this.deps.catalog, this.deps.objects, principal),
      defaultDatabase,
      signal,
    });
    return { ...result, header: true };
  }

  /** The result file, written as the query's caller (Athena locates the output bucket first). */
  private async writeResult(url: string, body: string, principal: ServicePrincipal): Promise<void> {
    const location = parseS3Url(url);
    if (!location || !(await this.deps.objects.bucketExists(location.bucket))) {
      throw new SqlQueryError(PERMISSION_DENIED, `Unable to verify/create output bucket ${location?.bucket ?? url}`);
    }
    await asOutputDenial(
      url,
      (async () => {
        await principal.require('s3', 'GetBucketLocation', { Bucket: location.bucket });
        await principal.require('s3', 'PutObject', { Bucket: location.bucket, Key: location.key });
      })(),
    );
    await this.deps.objects.putObject(location.bucket, location.key, Buffer.from(body, 'utf8'));
  }

  private cache(id: string, rows: ResultRow[]): void {
    this.results.set(id, rows);
    for (const key of this.results.keys()) {
      if (this.results.size <= CACHED_RESULTS) break;
      this.results.delete(key);
    }
  }

  /** Every row GetQueryResults pages through (for SELECT, the column names first), read back from the result file. */
  private async resultRows(record: QueryRecord): Promise<ResultRow[]> {
    const id = record.execution.QueryExecutionId;
    const cached = this.results.get(id);
    if (cached) return cached;
    const url = record.execution.ResultConfiguration.OutputLocation;
    const location = parseS3Url(url);
    const body =
      location && (await this.deps.objects.bucketExists(location.bucket))
        ? await this.deps.objects.getObject(location.bucket, location.key)
        : undefined;
    if (!body) throw invalidRequest(`The result file of query ${id} is no longer at ${url}`);
    const text = Buffer.from(body).toString('utf8');
    const rows = record.execution.StatementType === 'UTILITY' ? decodeText(text) : decodeCsv(text);
    this.cache(id, rows);
    return rows;
  }

  stop(id: string): void {
    this.record(id);
    this.running.get(id)?.controller.abort();
  }

  /** Cancels every running query and waits until each has ended. */
  async close(): Promise<void> {
    const queries = [...this.running.values()];
    for (const query of queries) query.controller.abort();
    await Promise.all(queries.map((query) => query.done));
  }

  operations(): Record<string, JsonOperation> {
    const parse = <T extends z.ZodType>(schema: T, input: unknown): z.infer<T> =>
      parseInput(schema, input, INVALID_REQUEST);
    return {
      StartQueryExecution: async (raw, call) => ({
        QueryExecutionId: this.start(parse(StartSchema, raw), callerOf(call.request.context?.principal)),
      }),
      GetQueryExecution: async (raw) => ({
        QueryExecution: this.get(parse(z.object({ QueryExecutionId }), raw).QueryExecutionId),
      }),
      BatchGetQueryExecution: async (raw) => {
        const { QueryExecutionIds } = parse(
          z.object({ QueryExecutionIds: z.array(QueryExecutionId).min(1).max(50) }),
          raw,
        );
        const known = new Set(this.state.executions.map((record) => record.execution.QueryExecutionId));
        return {
          QueryExecutions: QueryExecutionIds.filter((id) => known.has(id)).map((id) => this.get(id)),
          UnprocessedQueryExecutionIds: QueryExecutionIds.filter((id) => !known.has(id)).map((id) => ({
            QueryExecutionId: id,
            ErrorCode: 'INVALID_INPUT',
            ErrorMessage: `QueryExecution ${id} was not found`,
          })),
        };
      },
      GetQueryResults: async (raw) => {
        const input = parse(
          z.object({
            QueryExecutionId,
            NextToken: z.string().optional(),
            MaxResults: z.number().int().min(1).max(1000).optional(),
          }),
          raw,
        );
        const record = this.record(input.QueryExecutionId);
        const state = record.execution.Status.State;
        if (state === 'QUEUED' || state === 'RUNNING') {
          throw invalidRequest(`Query has not yet finished. Current state: ${state}`);
        }
        if (state !== 'SUCCEEDED') {
          throw invalidRequest(
            `Query did not finish successfully. Final query state: ${state}${record.execution.Status.StateChangeReason ? ` (${record.execution.Status.StateChangeReason})` : ''}`,
          );
        }
        const offset =
          input.NextToken === undefined
            ? 0
            : Number(
                decodeToken(
                  input.NextToken,
                  INVALID_REQUEST,
                  (cursor) => cursor.query === input.QueryExecutionId && Number.isInteger(cursor.offset),
                ).offset,
              );
        const rows = await this.resultRows(record);
        const max = input.MaxResults ?? 1000;
        const page = rows.slice(offset, offset + max);
        return {
          UpdateCount: 0,
          ResultSet: {
            Rows: page.map((row) => ({ Data: row.map((value) => (value === null ? {} : { VarCharValue: value })) })),
            ResultSetMetadata: { ColumnInfo: (record.columns ?? []).map(columnInfo) },
          },
          ...(offset + max < rows.length
            ? { NextToken: encodeToken({ query: input.QueryExecutionId, offset: offset + max }) }
            : {}),
        };
      },
      StopQueryExecution: async (raw) => {
        this.stop(parse(z.object({ QueryExecutionId }), raw).QueryExecutionId);
        return {};
      },
      ListQueryExecutions: async (raw) => {
        const input = parse(
          z.object({
            NextToken: z.string().optional(),
            MaxResults: z.number().int().min(0).max(50).optional(),
            WorkGroup: z.string().optional(),
          }),
          raw,
        );
        const workGroup = input.WorkGroup ?? PRIMARY_WORKGROUP;
        this.deps.workGroups.get(workGroup);
        const ids = this.state.executions
          .filter((record) => record.execution.WorkGroup === workGroup)
          .map((record) => record.execution.QueryExecutionId);
        const offset =
          input.NextToken === undefined
            ? 0
            : Number(decodeToken(input.NextToken, INVALID_REQUEST, (cursor) => Number.isInteger(cursor.offset)).offset);
        const max = input.MaxResults || 50;
        return {
          QueryExecutionIds: ids.slice(offset, offset + max),
          ...(offset + max < ids.length ? { NextToken: encodeToken({ offset: offset + max }) } : {}),
        };
      },
    };
  }
}
