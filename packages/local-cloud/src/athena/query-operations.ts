import type { ResultColumn } from '@glue-cd/data-lake';
import { z } from 'zod';
import { parseInput } from '../json-input';
import type { JsonOperation } from '../json-protocol';
import { decodeToken, encodeToken } from '../paging';
import { callerOf } from '../iam/service-principals';
import { INVALID_REQUEST } from './errors';
import type { QueryExecutions } from './query-executions';

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

/** StartQueryExecution's input, validated. */
export type StartQueryInput = z.infer<typeof StartSchema>;

const QueryExecutionId = z.string().min(1).max(128);

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

/** The query-execution operations of the Athena JSON API: validate the input, call the executions, shape the answer. */
export const queryExecutionOperations = (executions: QueryExecutions): Record<string, JsonOperation> => {
  const parse = <T extends z.ZodType>(schema: T, input: unknown): z.infer<T> =>
    parseInput(schema, input, INVALID_REQUEST);
  return {
    StartQueryExecution: async (raw, call) => ({
      QueryExecutionId: executions.start(parse(StartSchema, raw), callerOf(call.request.context?.principal)),
    }),
    GetQueryExecution: async (raw) => ({
      QueryExecution: executions.get(parse(z.object({ QueryExecutionId }), raw).QueryExecutionId),
    }),
    BatchGetQueryExecution: async (raw) => {
      const { QueryExecutionIds } = parse(
        z.object({ QueryExecutionIds: z.array(QueryExecutionId).min(1).max(50) }),
        raw,
      );
      return {
        QueryExecutions: QueryExecutionIds.filter((id) => executions.has(id)).map((id) => executions.get(id)),
        UnprocessedQueryExecutionIds: QueryExecutionIds.filter((id) => !executions.has(id)).map((id) => ({
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
      const results = executions.results(input.QueryExecutionId);
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
      const rows = await results.rows();
      const max = input.MaxResults ?? 1000;
      const page = rows.slice(offset, offset + max);
      return {
        UpdateCount: 0,
        ResultSet: {
          Rows: page.map((row) => ({ Data: row.map((value) => (value === null ? {} : { VarCharValue: value })) })),
          ResultSetMetadata: { ColumnInfo: results.columns.map(columnInfo) },
        },
        ...(offset + max < rows.length
          ? { NextToken: encodeToken({ query: input.QueryExecutionId, offset: offset + max }) }
          : {}),
      };
    },
    StopQueryExecution: async (raw) => {
      executions.stop(parse(z.object({ QueryExecutionId }), raw).QueryExecutionId);
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
      const ids = executions.idsIn(input.WorkGroup);
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
};
