import { decimalPrecisionScale, type ColumnMappingEntry } from './column-mapping';
import { quoteIdentifier, quoteLiteral } from './sql-text';

// The mapping semantics, shared word for word with glue-jobs/nyc-taxi/job.py (a test compares the two):
// 1. a value is missing when it is null or blank after trimming TRIM_CHARACTERS from both ends;
// 2. a missing value in a required column rejects the row; in an optional column it becomes null;
// 3. a present value is trimmed, must match the type's pattern and must cast (no overflow, a real calendar date),
//    otherwise the row is rejected; strings are kept as read;
// 4. a rejected row carries every violation, in mapping order, joined by REJECT_REASON_SEPARATOR.
// Patterns use only [0-9]-style classes and end with \z (Java's $ also matches before a final line terminator, RE2's
// does not), so Java regex (Spark rlike) and RE2 (DuckDB) read them alike.

export const VALUE_PATTERNS = {
  int: '^[+-]?[0-9]+\\z',
  bigint: '^[+-]?[0-9]+\\z',
  double: '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?\\z',
  decimal: '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)\\z',
  date: '^[0-9]{4}-[0-9]{2}-[0-9]{2}\\z',
  timestamp: '^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?\\z',
} as const;

/**
 * Characters trimmed from both ends of a value before the missing check and the cast: space, tab, CR, LF. job.py trims
 * with Spark's trim(BOTH <these> FROM value), the engine with DuckDB's trim(value, <these>): the same function.
 */
export const TRIM_CHARACTERS = ' \t\r\n';

/** Lower-cased spellings accepted for boolean columns. */
export const BOOLEAN_TRUE_VALUES = ['true', 't', 'yes', 'y', '1'] as const;
export const BOOLEAN_FALSE_VALUES = ['false', 'f', 'no', 'n', '0'] as const;

export const REJECT_REASON_SEPARATOR = '; ';
export const REJECT_REASON_COLUMN = 'reject_reason';

export const missingRequiredReason = (source: string): string => `${source}: required value is empty`;
export const invalidValueReason = (source: string, type: string): string => `${source}: cannot cast to ${type}`;

/** The DuckDB type a mapping type casts to. */
export const duckDbCastType = (type: string): string => {
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

/** The pattern a present value of this type must match once trimmed (none for string and boolean). */
export const patternFor = (type: string): string | undefined => {
  if (decimalPrecisionScale(type)) return VALUE_PATTERNS.decimal;
  return (VALUE_PATTERNS as Record<string, string>)[type];
};

// A list literal, not IN (...): DuckDB plans an IN over five constants as a join, one per use.
const sqlList = (values: readonly string[]): string => `[${values.map(quoteLiteral).join(', ')}]`;

/** DuckDB SQL expressions that apply one mapping entry to a VARCHAR value of the raw table. */
export interface ColumnRuleSql {
  /** The typed value (NULL when missing). */
  value: string;
  /** The violation text, or NULL when the value is acceptable. */
  rejectReason: string;
}

/** DuckDB SQL: the boolean a trimmed, lower-cased value spells, or NULL. */
export const booleanSql = (lowered: string): string =>
  `(CASE WHEN list_contains(${sqlList(BOOLEAN_TRUE_VALUES)}, ${lowered}) THEN true WHEN list_contains(${sqlList(BOOLEAN_FALSE_VALUES)}, ${lowered}) THEN false END)`;

/** DuckDB SQL for a value trimmed of TRIM_CHARACTERS. */
export const trimmedSql = (value: string): string => `trim(${value}, ${quoteLiteral(TRIM_CHARACTERS)})`;

/** DuckDB SQL: the value is missing (rule 1). */
export const missingSql = (value: string): string => `(${value} IS NULL OR ${trimmedSql(value)} = '')`;

/** The rules of one mapping entry over `raw`, a VARCHAR expression (by default the source column itself). */
export const columnRuleSql = (column: ColumnMappingEntry, raw = quoteIdentifier(column.source)): ColumnRuleSql => {
  const trimmed = trimmedSql(raw);
  const missing = missingSql(raw);
  let typed: string;
  if (column.type === 'string') typed = raw;
  else if (column.type === 'boolean') typed = booleanSql(`lower(${trimmed})`);
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
