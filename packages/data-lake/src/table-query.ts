import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { CatalogColumn } from './catalog';
import { duckDbType } from './crawler';
import { fileListLiteral, quoteIdentifier, quoteLiteral, withDuckDb } from './duckdb';
import { SqlQueryError, type SqlQueryErrorCode } from './errors';
import { athenaText, athenaType, type ResultColumn } from './sql-values';

/** How a table's files are read, from its Glue StorageDescriptor (SerDe + parameters). */
export type TableFormat =
  | {
      kind: 'text';
      /** Field delimiter (LazySimpleSerDe `field.delim`, OpenCSVSerde `separatorChar`). */
      delimiter: string;
      /** Quote and escape characters (OpenCSVSerde); none for LazySimpleSerDe, which does not unquote. */
      quote?: string;
      escape?: string;
      /** `skip.header.line.count`: leading lines of every file that are not data. */
      skipHeaderLines: number;
    }
  | { kind: 'parquet' };

/** A catalogued table the query may read: its columns (Glue types) and the local folder of its S3 location. */
export interface TableSource {
  /** Local folder (or single file) holding the table's data files; a missing folder reads as no rows. */
  path: string;
  format: TableFormat;
  columns: CatalogColumn[];
  /**
   * A partitioned table reads its partitions' folders instead of `path`; the partition keys follow the data columns,
   * each row carrying its partition's values (as Athena reads Hive partitions).
   */
  partitioning?: { keys: CatalogColumn[]; partitions: { path: string; values: string[] }[] };
}

/** What a query sees of the data catalog (the local Glue Data Catalog). */
export interface TableCatalog {
  hasDatabase(database: string): boolean | Promise<boolean>;
  /** The table, or undefined when the database has no such table. Throw SqlQueryError for unreadable tables. */
  table(database: string, table: string): TableSource | undefined | Promise<TableSource | undefined>;
}

export interface TableQueryInput {
  sql: string;
  catalog: TableCatalog;
  /** Database of unqualified table names (Athena's QueryExecutionContext.Database; Athena's default is `default`). */
  defaultDatabase: string;
  /** Aborting interrupts DuckDB: the query fails with SqlQueryError code CANCELLED. */
  signal?: AbortSignal;
}

export interface TableQueryResult {
  columns: ResultColumn[];
  /** Values as Athena's text (`VarCharValue`); null for SQL NULL. */
  rows: (string | null)[][];
  /** Size of the data files of the tables the query read. */
  scannedBytes: number;
}

/** Athena's default data catalog; `awsdatacatalog.<database>.<table>` names resolve through it. */
export const DATA_CATALOG = 'awsdatacatalog';

interface TableReference {
  catalog: string;
  database: string;
  table: string;
  location: number;
}

interface StatementShape {
  references: TableReference[];
  cteNames: Set<string>;
  /** Athena's output column names, when they can be told from the select list (no `*`). */
  outputNames?: string[];
}

type JsonNode = Record<string, unknown>;
const isNode = (value: unknown): value is JsonNode => typeof value === 'object' && value !== null;

/** `line L:C: ` of an offset into the SQL, as Trino prefixes its messages. */
const linePrefix = (sql: string, offset: number): string => {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > sql.length) return '';
  const before = sql.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}:${offset - before.lastIndexOf('\n')}: `;
};

/** Output names as Trino gives them: the alias, else the column a plain reference names, else `_col<i>`. */
const outputNamesOf = (node: JsonNode): string[] | undefined => {
  let select = node;
  while (select.type === 'SET_OPERATION_NODE' && isNode(select.left)) select = select.left;
  const list = select.select_list;
  if (!Array.isArray(list)) return undefined;
  const names: string[] = [];
  for (const [index, item] of list.entries()) {
    if (!isNode(item) || item.class === 'STAR') return undefined;
    const alias = typeof item.alias === 'string' ? item.alias : '';
    const columnNames = Array.isArray(item.column_names) ? item.column_names : [];
    if (alias !== '') names.push(alias.toLowerCase());
    else if (item.class === 'COLUMN_REF' && columnNames.length > 0)
      names.push(String(columnNames.at(-1)).toLowerCase());
    else names.push(`_col${index}`);
  }
  return names;
};

/** Parses the statement with DuckDB's own parser: table references, CTE names and output names. */
const statementShape = async (connection: DuckDBConnection, sql: string): Promise<StatementShape> => {
  const reader = await connection.runAndReadAll(`SELECT json_serialize_sql(${quoteLiteral(sql)})`);
  const parsed = JSON.parse(String(reader.getRows()[0]?.[0] ?? '{}')) as JsonNode;
  if (parsed.error === true) {
    const message = String(parsed.error_message ?? 'the statement could not be parsed');
    if (parsed.error_type === 'parser') {
      throw new SqlQueryError('SYNTAX_ERROR', `${linePrefix(sql, Number(parsed.position))}${message}`);
    }
    throw new SqlQueryError(
      'NOT_SUPPORTED',
      'The local Athena runs queries (SELECT, WITH, VALUES) only; DDL, DML and utility statements are not supported',
    );
  }
  const statements = Array.isArray(parsed.statements) ? parsed.statements : [];
  if (statements.length !== 1 || !isNode(statements[0]) || !isNode(statements[0].node)) {
    throw new SqlQueryError('SYNTAX_ERROR', `Expected exactly one statement, found ${statements.length}`);
  }
  const shape: StatementShape = { references: [], cteNames: new Set() };
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (!isNode(value)) return;
    if (value.type === 'BASE_TABLE') {
      shape.references.push({
        catalog: String(value.catalog_name ?? '').toLowerCase(),
        database: String(value.schema_name ?? '').toLowerCase(),
        table: String(value.table_name ?? '').toLowerCase(),
        location: Number(value.query_location),
      });
    } else if (value.type === 'SHOW_REF' || value.type === 'TABLE_FUNCTION') {
      throw new SqlQueryError(
        'NOT_SUPPORTED',
        `${linePrefix(sql, Number(value.query_location))}the local Athena reads catalog tables only (no table functions or SHOW references)`,
      );
    }
    if (isNode(value.cte_map) && Array.isArray(value.cte_map.map)) {
      for (const entry of value.cte_map.map) if (isNode(entry)) shape.cteNames.add(String(entry.key).toLowerCase());
    }
    Object.values(value).forEach(walk);
  };
  walk(statements[0].node);
  const outputNames = outputNamesOf(statements[0].node);
  return outputNames ? { ...shape, outputNames } : shape;
};

/** Spark/Hadoop bookkeeping and hidden files, which Athena skips like Hive does. */
const isHidden = (name: string): boolean => name.startsWith('_') || name.startsWith('.') || name.endsWith('_$folder$');

/** Every data file under a table location (any extension, as Athena reads them), or none when it does not exist. */
export const tableFiles = async (path: string): Promise<{ files: string[]; bytes: number }> => {
  const info = await stat(path).catch(() => undefined);
  if (!info) return { files: [], bytes: 0 };
  if (info.isFile()) return { files: [path], bytes: info.size };
  const files: string[] = [];
  let bytes = 0;
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (isHidden(entry.name)) continue;
      const full = join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) {
        files.push(full);
        bytes += (await stat(full)).size;
      }
    }
  };
  await walk(path);
  return { files, bytes };
};

/** Glue (Hive) column type -> DuckDB type, or undefined for nested types that are read as stored. */
const scalarType = (glueType: string): string | undefined => {
  const type = glueType.trim().toLowerCase().replace(/\s+/g, '');
  if (/^(array|map|struct|uniontype)</.test(type)) return undefined;
  if (type === 'integer') return 'INTEGER';
  if (type === 'decimal') return 'DECIMAL(10,0)';
  if (/^(var)?char\(\d+\)$/.test(type)) return 'VARCHAR';
  return duckDbType(type);
};

const typedColumn = (column: CatalogColumn, sourceSql: string): string => {
  const type = scalarType(column.type);
  const name = quoteIdentifier(column.name);
  return type === undefined || type === 'VARCHAR'
    ? `${sourceSql} AS ${name}`
    : `TRY_CAST(${sourceSql} AS ${type}) AS ${name}`;
};

const emptySelect = (columns: readonly CatalogColumn[]): string =>
  `SELECT ${columns.map((column) => `CAST(NULL AS ${scalarType(column.type) ?? 'VARCHAR'}) AS ${quoteIdentifier(column.name)}`).join(', ') || 'NULL AS empty'} WHERE false`;

/**
 * The view over a table as Athena reads it: text files by position with the declared types (a value that does not
 * parse is NULL, `\N` is NULL, missing trailing fields are NULL), Parquet columns by name (absent ones NULL).
 */
const folderSelectSql = async (
  connection: DuckDBConnection,
  source: TableSource,
  files: string[],
  name: string,
): Promise<string> => {
  if (files.length === 0 || source.columns.length === 0) return emptySelect(source.columns);
  if (source.format.kind === 'text') {
    const { delimiter, quote = '', escape = '', skipHeaderLines } = source.format;
    const fields = source.columns.map((_, index) => `'c${index}': 'VARCHAR'`).join(', ');
    const reader =
      `read_csv(${fileListLiteral(files)}, auto_detect = false, header = false, skip = ${skipHeaderLines}, ` +
      `delim = ${quoteLiteral(delimiter)}, quote = ${quoteLiteral(quote)}, escape = ${quoteLiteral(escape)}, ` +
      `nullstr = '\\N', strict_mode = false, null_padding = true, parallel = false, columns = {${fields}})`;
    return `SELECT ${source.columns.map((column, index) => typedColumn(column, `c${index}`)).join(', ')} FROM ${reader}`;
  }
  const reader = `read_parquet(${fileListLiteral(files)}, union_by_name = true)`;
  let stored: Map<string, string>;
  try {
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${reader}`);
    stored = new Map(described.getRowsJS().map((row) => [String(row[0]).toLowerCase(), String(row[0])]));
  } catch (error) {
    throw new SqlQueryError('HIVE_BAD_DATA', `Table ${name}: ${firstLine(error)}`);
  }
  const selected = source.columns.map((column) => {
    const storedName = stored.get(column.name.toLowerCase());
    if (storedName === undefined)
      return `CAST(NULL AS ${scalarType(column.type) ?? 'VARCHAR'}) AS ${quoteIdentifier(column.name)}`;
    const type = scalarType(column.type);
    const value = quoteIdentifier(storedName);
    return type === undefined
      ? `${value} AS ${quoteIdentifier(column.name)}`
      : `CAST(${value} AS ${type}) AS ${quoteIdentifier(column.name)}`;
  });
  return `SELECT ${selected.join(', ')} FROM ${reader}`;
};

/** The view of a table: its folder, or the union of its partitions' folders with the partition values appended. */
const tableViewSql = async (
  connection: DuckDBConnection,
  source: TableSource,
  name: string,
): Promise<{ sql: string; files: string[]; bytes: number }> => {
  if (!source.partitioning) {
    const { files, bytes } = await tableFiles(source.path);
    return { sql: await folderSelectSql(connection, source, files, name), files, bytes };
  }
  const { keys, partitions } = source.partitioning;
  const selects: string[] = [];
  const allFiles: string[] = [];
  let total = 0;
  for (const partition of partitions) {
    const { files, bytes } = await tableFiles(partition.path);
    if (files.length === 0) continue;
    allFiles.push(...files);
    total += bytes;
    const values = keys.map((key, index) => {
      const value = partition.values[index];
      const literal = value === undefined ? 'NULL' : quoteLiteral(value);
      return `TRY_CAST(${literal} AS ${scalarType(key.type) ?? 'VARCHAR'}) AS ${quoteIdentifier(key.name)}`;
    });
    const data = source.columns.map((column) => quoteIdentifier(column.name));
    selects.push(
      `SELECT ${[...data, ...values].join(', ')} FROM (${await folderSelectSql(connection, source, files, name)})`,
    );
  }
  const sql = selects.length > 0 ? selects.join(' UNION ALL ') : emptySelect([...source.columns, ...keys]);
  return { sql, files: allFiles, bytes: total };
};

const firstLine = (error: unknown): string => String((error as Error).message ?? error).split('\n')[0] ?? '';

// DuckDB error classes -> the Trino error names Athena prefixes its messages with.
const ERROR_CODES: [RegExp, SqlQueryErrorCode][] = [
  [/^Parser Error/, 'SYNTAX_ERROR'],
  [/^Catalog Error: Table with name/, 'TABLE_NOT_FOUND'],
  [/^Catalog Error: Schema with name/, 'SCHEMA_NOT_FOUND'],
  [/^Catalog Error: (Scalar|Aggregate|Table) Function with name/, 'FUNCTION_NOT_FOUND'],
  [/^Binder Error: Referenced column/, 'COLUMN_NOT_FOUND'],
  [/^Binder Error/, 'SYNTAX_ERROR'],
  [/^Conversion Error/, 'INVALID_CAST_ARGUMENT'],
  [/^Out of Range Error/, 'NUMERIC_VALUE_OUT_OF_RANGE'],
  [/^Invalid Input Error/, 'HIVE_BAD_DATA'],
  [/^Permission Error/, 'PERMISSION_DENIED'],
  [/^INTERRUPT Error/, 'CANCELLED'],
];

/** Trino's `line L:C: ` from DuckDB's `LINE L: <sql>` context line and the caret under it. */
const duckDbPosition = (text: string): string => {
  const match = /\nLINE (\d+): (.*)\n( *)\^/.exec(text);
  // DuckDB shows a window of long lines (`LINE 1: ...`); the caret is then not a column of the statement.
  if (!match || match[2]!.startsWith('...')) return '';
  const column = match[3]!.length - `LINE ${match[1]}: `.length + 1;
  return column > 0 ? `line ${match[1]}:${column}: ` : '';
};

const queryError = (error: unknown): SqlQueryError => {
  if (error instanceof SqlQueryError) return error;
  const text = String((error as Error).message ?? error);
  const message = firstLine(error);
  const code = ERROR_CODES.find(([pattern]) => pattern.test(message))?.[1] ?? 'GENERIC_USER_ERROR';
  return new SqlQueryError(code, `${duckDbPosition(text)}${message.replace(/^[A-Za-z ]+ Error: /, '')}`);
};

/**
 * SQL over catalogued tables, the local Athena engine: every table the statement names becomes a DuckDB view
 * `awsdatacatalog.<database>.<table>` over the files in its location (read as the table's SerDe would), file access
 * is then locked to those locations, and the result comes back typed and rendered as Athena renders it.
 */
export const queryTables = async ({
  sql,
  catalog,
  defaultDatabase,
  signal,
}: TableQueryInput): Promise<TableQueryResult> =>
  withDuckDb(async (connection) => {
    const abort = (): void => connection.interrupt();
    if (signal?.aborted) throw new SqlQueryError('CANCELLED', 'Query was cancelled');
    signal?.addEventListener('abort', abort);
    try {
      const shape = await statementShape(connection, sql);
      await connection.run(`ATTACH ':memory:' AS ${DATA_CATALOG}`);
      const schemas = new Set<string>();
      const createSchema = async (database: string): Promise<void> => {
        if (schemas.has(database)) return;
        schemas.add(database);
        await connection.run(`CREATE SCHEMA ${DATA_CATALOG}.${quoteIdentifier(database)}`);
      };
      await createSchema(defaultDatabase.toLowerCase());
      const views = new Set<string>();
      const allowedFiles: string[] = [];
      let scannedBytes = 0;
      for (const reference of shape.references) {
        if (reference.catalog !== '' && reference.catalog !== DATA_CATALOG) continue; // DuckDB reports it
        if (reference.database === '' && shape.cteNames.has(reference.table)) continue;
        const database = reference.database || defaultDatabase.toLowerCase();
        const qualified = `${DATA_CATALOG}.${database}.${reference.table}`;
        if (views.has(qualified)) continue;
        const where = linePrefix(sql, reference.location);
        if (!(await catalog.hasDatabase(database))) {
          throw new SqlQueryError('SCHEMA_NOT_FOUND', `${where}Schema '${database}' does not exist`);
        }
        const table = await catalog.table(database, reference.table);
        if (!table) throw new SqlQueryError('TABLE_NOT_FOUND', `${where}Table '${qualified}' does not exist`);
        const view = await tableViewSql(connection, table, qualified);
        scannedBytes += view.bytes;
        await createSchema(database);
        await connection.run(
          `CREATE VIEW ${DATA_CATALOG}.${quoteIdentifier(database)}.${quoteIdentifier(reference.table)} AS ${view.sql}`,
        );
        const files = view.files;
        views.add(qualified);
        allowedFiles.push(...files);
      }
      // From here on the statement can read the tables' files and nothing else, and write nowhere.
      await connection.run(`SET allowed_paths = [${allowedFiles.map(quoteLiteral).join(', ')}]`);
      await connection.run('SET enable_external_access = false');
      await connection.run('SET lock_configuration = true');
      await connection.run(`USE ${DATA_CATALOG}.${quoteIdentifier(defaultDatabase.toLowerCase())}`);
      const reader = await connection.runAndReadAll(sql);
      const types = reader.columnTypes();
      const duckNames = reader.columnNames();
      const names =
        shape.outputNames && shape.outputNames.length === duckNames.length
          ? shape.outputNames
          : duckNames.map((name) => name.toLowerCase());
      const columns = types.map((type, index) => ({ name: names[index] ?? `_col${index}`, ...athenaType(type) }));
      const rows = reader.getRows().map((row) => row.map((value, index) => athenaText(value, types[index]!)));
      return { columns, rows, scannedBytes };
    } catch (error) {
      throw signal?.aborted ? new SqlQueryError('CANCELLED', 'Query was cancelled') : queryError(error);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  });
