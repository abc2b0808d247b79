import { decimalPrecisionScale, type ColumnMappingEntry } from './column-mapping';
import { quoteIdentifier, quoteLiteral } from './duckdb';

// The mapping semantics, shared word for word with glue-jobs/nyc-taxi/job.py (a test compares the two):
// 1. a value is missing when it is null or blank after trimming;
// 2. a missing value in a required column rejects the row; in an optional column it becomes null;
// 3. a present value is trimmed, must match the type's pattern and must cast (no overflow, a real calendar date),
//    otherwise the row is rejected; strings are kept as read;
// 4. a rejected row carries every violation, in mapping order, joined by REJECT_REASON_SEPARATOR.
// Patterns use only [0-9]-style classes so Java regex (Spark rlike) and RE2 (DuckDB) read them alike.

export const VALUE_PATTERNS = {
  int: '^[+-]?[0-9]+$',
  bigint: '^[+-]?[0-9]+$',
  double: '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$',
  decimal: '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$',
  date: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
  timestamp: '^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?$',
} as const;

/** Lower-cased spellings accepted for boolean columns. */
export const BOOLEAN_TRUE_VALUES = ['true', 't', 'yes', 'y', '1'] as const;
export const BOOLEAN_FALSE_VALUES = ['false', 'f', 'no', 'n', '0'] as const;

export const REJECT_REASON_SEPARATOR = '; ';
export const REJECT_REASON_COLUMN = 'reject_reason';

export const missingRequiredReason = (source: string): string => `${source}: required value is empty`;
export const invalidValueReason = (source: string, type: string): string => `${source}: cannot cast to ${type}`;

const duckDbCastType = (type: string): string => {
  const decimal = decimalPrecisionScale(type);
  if (decimal) return `DECIMAL(${decimal.precision},${decimal.scale})`;
  switch (type) {
    case 'int':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMP';
    default:
      throw new Error(`no DuckDB cast for column type ${type}`);
  }
};

const patternFor = (type: string): string | undefined => {
  if (decimalPrecisionScale(type)) return VALUE_PATTERNS.decimal;
  return (VALUE_PATTERNS as Record<string, string>)[type];
};

const sqlList = (values: readonly string[]): string => values.map(quoteLiteral).join(', ');

/** DuckDB SQL expressions that apply one mapping entry to a VARCHAR column of the raw table. */
export interface ColumnRuleSql {
  /** The typed value (NULL when missing). */
  value: string;
  /** The violation text, or NULL when the value is acceptable. */
  rejectReason: string;
}

export const columnRuleSql = (column: ColumnMappingEntry): ColumnRuleSql => {
  const raw = quoteIdentifier(column.source);
  const trimmed = `trim(${raw})`;
  const missing = `(${raw} IS NULL OR ${trimmed} = '')`;
  let typed: string;
  if (column.type === 'string') typed = raw;
  else if (column.type === 'boolean')
    typed = `(CASE WHEN lower(${trimmed}) IN (${sqlList(BOOLEAN_TRUE_VALUES)}) THEN true WHEN lower(${trimmed}) IN (${sqlList(BOOLEAN_FALSE_VALUES)}) THEN false END)`;
  else typed = `TRY_CAST(${trimmed} AS ${duckDbCastType(column.type)})`;
  const pattern = patternFor(column.type);
  const castable =
    column.type === 'string'
      ? 'true'
      : `(${pattern ? `regexp_matches(${trimmed}, ${quoteLiteral(pattern)}) AND ` : ''}${typed} IS NOT NULL)`;
  const whenMissing = column.required ? quoteLiteral(missingRequiredReason(column.source)) : 'NULL';
  return {
    value: `(CASE WHEN ${missing} THEN NULL ELSE ${typed} END)`,
    rejectReason: `(CASE WHEN ${missing} THEN ${whenMissing} WHEN NOT ${castable} THEN ${quoteLiteral(invalidValueReason(column.source, column.type))} END)`,
  };
};
