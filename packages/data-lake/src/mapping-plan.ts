import type { ColumnMapping, ColumnMappingEntry } from './column-mapping';
import { withoutLineEndResidueSql } from './csv-format';
import { DataSourceError } from './errors';
import { quoteIdentifier, quoteLiteral } from './sql-text';
import {
  REJECT_REASON_COLUMN,
  REJECT_REASON_SEPARATOR,
  TRIM_CHARACTERS,
  booleanSql,
  columnRuleSql,
  duckDbCastType,
  missingSql,
  patternFor,
} from './value-rules';

// The mapping job as two streaming queries over one read_csv relation: the accepted rows (typed, for Parquet) and the
// rejected rows (as read, with reject_reason). Applied column by column, the rules (value-rules.ts) cost several times
// DuckDB's own CSV->Parquet, so they decide only the rows that fail a fast test no row they reject can pass:
// - one RE2 match of the row's typed values, joined by commas, against their patterns padded with trim characters.
//   No pattern or trim character matches a comma, and no pattern matches text starting or ending with a trim
//   character, so each value matches its own padded pattern and, trimmed, its pattern;
// - the casts of the untrimmed values: a DuckDB cast skips surrounding whitespace or fails;
// - no line-end residue removal for typed values: a CR is a trim character.
// mapping-plan.test.ts checks the fast test against the rules alone on generated rows.

/**
 * Run on the plan's connection first. The rules run only for rows failing the fast test: DuckDB would otherwise push
 * the filter on reject_reason below the projection computing it (every cast twice) and hoist the rules' common parts
 * out of their CASE (every rule for every row).
 */
export const PLAN_SETTINGS_SQL = "SET disabled_optimizers = 'filter_pushdown,common_subexpressions'";

/** Columns the plan adds while it works; a CSV header using the prefix is refused. */
export const RESERVED_COLUMN_PREFIX = '__glue_cd_';
const OK = quoteIdentifier(`${RESERVED_COLUMN_PREFIX}ok`);
const fastColumn = (index: number): string => quoteIdentifier(`${RESERVED_COLUMN_PREFIX}fast_${index}`);

const TRIM_CLASS = `[${[...TRIM_CHARACTERS].map((char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`).join('')}]`;
const ROW_SEPARATOR = ',';

/** A VALUE_PATTERNS entry without its anchors, to be embedded in the row pattern. */
const patternBody = (pattern: string): string => {
  if (!pattern.startsWith('^') || !pattern.endsWith('\\z')) throw new Error(`pattern ${pattern} is not ^...\\z`);
  return pattern.slice(1, -2);
};

export interface MappingPlan {
  /** The accepted rows: one typed column per mapping target. */
  acceptedSql: string;
  /** The rejected rows: every source column as read (without line-end residue), then reject_reason. */
  rejectedSql: string;
  /** No rows, with the columns of rejectedSql: for a source whose records were all accepted, without reading it. */
  noRejectsSql: string;
}

interface ColumnPlan {
  /** Computed once per row for the fast test, as fastColumn(index). */
  fast?: string;
  /** The pattern the value must match in the row pattern. */
  rowPattern?: string;
  /** The fast test's condition on this column. */
  fastOk?: string;
  /** The typed value of an accepted row. */
  value: string;
  /** The rules' reject reason (NULL when none). */
  rejectReason: string;
}

const planColumn = (column: ColumnMappingEntry, index: number, fastTest: boolean): ColumnPlan => {
  const raw = quoteIdentifier(column.source);
  const exact = columnRuleSql(column, withoutLineEndResidueSql(raw));
  if (!fastTest) return exact;
  const fast = fastColumn(index);
  // An optional column may also be missing; CASE, unlike OR, only trims the values that need it.
  const present = (test: string) =>
    column.required ? test : `(CASE WHEN ${test} THEN true WHEN ${raw} IS NULL THEN true ELSE ${missingSql(raw)} END)`;
  const pattern = patternFor(column.type);
  if (pattern !== undefined) {
    return {
      fast: `TRY_CAST(${raw} AS ${duckDbCastType(column.type)})`,
      rowPattern: `${TRIM_CLASS}*(?:${patternBody(pattern)})${column.required ? '' : '?'}${TRIM_CLASS}*`,
      fastOk: present(`${fast} IS NOT NULL`),
      value: `coalesce(${fast}, ${exact.value})`, // an accepted row's cast, when it succeeds, is the rules' value
      rejectReason: exact.rejectReason,
    };
  }
  if (column.type === 'boolean') {
    // No boolean spelling holds a trim character, so an untrimmed value that spells one is its own trimmed value.
    return {
      fast: booleanSql(`lower(${raw})`),
      fastOk: present(`${fast} IS NOT NULL`),
      value: `coalesce(${fast}, ${exact.value})`,
      rejectReason: exact.rejectReason,
    };
  }
  return { fastOk: column.required ? `NOT ${missingSql(raw)}` : undefined, ...exact }; // string: kept as read
};

/**
 * The accepted and rejected queries of `mapping` over `relation`: a relation of VARCHAR values (read_csv with
 * valuesAsText) whose `columns`, named without line-end residue, hold every mapped source column.
 */
export const mappingPlan = (
  mapping: ColumnMapping,
  relation: string,
  columns: readonly string[],
  { fastTest = true }: { fastTest?: boolean } = {}, // false: every row through the rules (the reference in tests)
): MappingPlan => {
  const reserved = columns.filter((name) => name.startsWith(RESERVED_COLUMN_PREFIX));
  if (reserved.length > 0) {
    throw new DataSourceError(
      `CSV header columns may not start with ${RESERVED_COLUMN_PREFIX}: ${reserved.join(', ')}`,
    );
  }
  const plans = mapping.columns.map((column, index) => ({ column, index, ...planColumn(column, index, fastTest) }));
  const patterned = plans.flatMap(({ column, rowPattern }) =>
    rowPattern === undefined ? [] : [{ column, rowPattern }],
  );
  const rowText = patterned
    .map(({ column }) => quoteIdentifier(column.source))
    .join(`, ${quoteLiteral(ROW_SEPARATOR)}, `);
  const rowPattern = patterned.map(({ rowPattern: pattern }) => pattern).join(ROW_SEPARATOR);
  const fastOk = [
    ...(patterned.length === 0 ? [] : [`regexp_full_match(concat(${rowText}), ${quoteLiteral(rowPattern)})`]),
    ...plans.flatMap(({ fastOk: ok }) => (ok === undefined ? [] : [ok])),
  ];
  const fastValues = plans.flatMap(({ fast, index }) =>
    fast === undefined ? [] : [`${fast} AS ${fastColumn(index)}`],
  );
  const checked =
    `SELECT *, ${fastTest ? fastOk.join(' AND ') || 'true' : 'false'} AS ${OK} ` +
    `FROM (SELECT *${fastValues.map((value) => `, ${value}`).join('')} FROM ${relation})`;

  const reasonColumn = quoteIdentifier(REJECT_REASON_COLUMN);
  const reasons = `concat_ws(${quoteLiteral(REJECT_REASON_SEPARATOR)}, ${plans.map((plan) => plan.rejectReason).join(', ')})`;
  const rejectReason = `CASE WHEN ${OK} THEN NULL ELSE NULLIF(${reasons}, '') END AS ${reasonColumn}`;
  const values = plans.map(({ column, value }) => `${value} AS ${quoteIdentifier(column.target)}`);
  const targets = mapping.columns.map((column) => quoteIdentifier(column.target)).join(', ');
  const asRead = columns.map(
    (name) => `${withoutLineEndResidueSql(quoteIdentifier(name))} AS ${quoteIdentifier(name)}`,
  );
  return {
    acceptedSql: `SELECT ${targets} FROM (SELECT ${values.join(', ')}, ${rejectReason} FROM (${checked})) WHERE ${reasonColumn} IS NULL`,
    rejectedSql: `SELECT ${asRead.join(', ')}, ${reasonColumn} FROM (SELECT *, ${rejectReason} FROM (${checked})) WHERE ${reasonColumn} IS NOT NULL`,
    noRejectsSql: `SELECT ${[...columns, REJECT_REASON_COLUMN].map((name) => `CAST(NULL AS VARCHAR) AS ${quoteIdentifier(name)}`).join(', ')} WHERE false`,
  };
};
