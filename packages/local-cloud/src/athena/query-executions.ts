import { randomUUID } from 'node:crypto';
import { queryTables, SqlQueryError, type ResultColumn } from '@glue-cd/data-lake';
import type { ObjectStore } from '../contracts';
import type { GlueCatalog } from '../glue/catalog';
import { epochSeconds, jsonCopy } from '../json-input';
import type { JsonOperation } from '../json-protocol';
import { readJsonState, stateFile, writeJsonState } from '../persistence';
import type { Actor } from '../iam/enforcer';
import { type AuthorizeAs, type ServicePrincipal, servicePrincipal } from '../iam/service-principals';
import { invalidRequest } from './errors';
import { glueTableCatalog } from './glue-tables';
import { asQueryDenial, PERMISSION_DENIED } from './query-denials';
import { queryExecutionOperations, type StartQueryInput } from './query-operations';
import { QueryResults } from './query-results';
import { encodeCsv, encodeText, type ResultRow } from './results-file';
import { catalogStatement, statementTypes, type StatementType } from './statements';
import { ENGINE_VERSION, PRIMARY_WORKGROUP, type WorkGroups } from './workgroups';

type QueryState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** A query execution as GetQueryExecution returns it. */
export interface QueryExecution {
  QueryExecutionId: string;
  Query: string;
  StatementType: StatementType;
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

const HISTORY_KEPT = 1000;
const INTERRUPTED = 'The local cloud stopped while this query was running';
// Athena's ErrorCategory for a query that failed because of its user (1 is system, 3 other).
const USER_ERROR = 2;

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
  private readonly resultFiles: QueryResults;

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
    this.resultFiles = new QueryResults(deps.objects);
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

  has(id: string): boolean {
    return this.state.executions.some((record) => record.execution.QueryExecutionId === id);
  }

  /** The ids of a workgroup's queries (the primary one by default), newest first. */
  idsIn(workGroup = PRIMARY_WORKGROUP): string[] {
    this.deps.workGroups.get(workGroup);
    return this.state.executions
      .filter((record) => record.execution.WorkGroup === workGroup)
      .map((record) => record.execution.QueryExecutionId);
  }

  /** A succeeded query's result columns, and its rows read on demand; any other query is refused, naming its state. */
  results(id: string): { columns: ResultColumn[]; rows: () => Promise<ResultRow[]> } {
    const record = this.record(id);
    const state = record.execution.Status.State;
    if (state === 'QUEUED' || state === 'RUNNING') {
      throw invalidRequest(`Query has not yet finished. Current state: ${state}`);
    }
    if (state !== 'SUCCEEDED') {
      throw invalidRequest(
        `Query did not finish successfully. Final query state: ${state}${record.execution.Status.StateChangeReason ? ` (${record.execution.Status.StateChangeReason})` : ''}`,
      );
    }
    const { OutputLocation } = record.execution.ResultConfiguration;
    return {
      columns: record.columns ?? [],
      rows: () => this.resultFiles.rows(id, OutputLocation, record.execution.StatementType),
    };
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
  start(input: StartQueryInput, caller: Actor = { kind: 'root' }): string {
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
      await this.resultFiles.write(execution.ResultConfiguration.OutputLocation, body, principal);
      if (signal.aborted) throw new SqlQueryError('CANCELLED', 'Query was cancelled');
      record.columns = columns;
      this.resultFiles.cache(id, header ? [columns.map((column) => column.name), ...rows] : rows);
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
    const shown = catalogStatement(execution.Query, this.deps.catalog, defaultDatabase);
    if (shown) {
      await asQueryDenial(principal.require('glue', shown.access.operation, shown.access.input));
      return shown;
    }
    const result = await queryTables({
      sql: execution.Query,
      catalog: glueTableCatalog(this.deps.catalog, this.deps.objects, principal),
      defaultDatabase,
      signal,
    });
    return { ...result, header: true };
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
    return queryExecutionOperations(this);
  }
}
