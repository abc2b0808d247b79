import type { CatalogTable, LocalCatalog } from './catalog';
import { duckDbType, readDataFilesSql } from './crawler';
import { listDataFiles } from './data-files';
import { quoteIdentifier, quoteLiteral, queryRows, withDuckDb } from './duckdb';
import { CatalogError, DataSourceError } from './errors';

/** Like Athena, a table whose location holds no data files reads as zero rows of its catalogued columns. */
const tableSelectSql = async (databaseName: string, table: CatalogTable): Promise<string> => {
  try {
    return `SELECT * FROM ${readDataFilesSql(await listDataFiles(table.location))}`;
  } catch (error) {
    if (!(error instanceof DataSourceError && /does not exist|No data files/.test(error.message))) {
      throw new CatalogError(`Table ${databaseName}.${table.name}: ${(error as Error).message}`);
    }
    const columns = table.columns.map(
      (column) => `CAST(NULL AS ${duckDbType(column.type)}) AS ${quoteIdentifier(column.name)}`,
    );
    return `SELECT ${columns.join(', ') || 'NULL AS empty'} WHERE false`;
  }
};

export type QueryRow = Record<string, unknown>;

export interface QueryOptions {
  /** Database whose tables resolve without a `<database>.` qualifier (Athena's QueryExecutionContext). */
  defaultDatabase?: string;
}

/**
 * SQL over the catalog, the local stand-in for Athena: every table is a DuckDB view `<database>.<table>` over the
 * files currently in its location. Rows come back as plain JS values (BIGINT -> number, timestamps -> ISO strings).
 */
export const queryCatalog = async (
  catalog: LocalCatalog,
  sql: string,
  options: QueryOptions = {},
): Promise<QueryRow[]> =>
  withDuckDb(async (connection) => {
    const databases = catalog.databases();
    if (
      options.defaultDatabase !== undefined &&
      !databases.some((database) => database.name === options.defaultDatabase)
    ) {
      throw new CatalogError(`Database ${options.defaultDatabase} is not in the catalog ${catalog.file}`);
    }
    for (const database of databases) {
      await connection.run(`CREATE SCHEMA ${quoteIdentifier(database.name)}`);
      for (const table of Object.values(database.tables)) {
        const view = `${quoteIdentifier(database.name)}.${quoteIdentifier(table.name)}`;
        await connection.run(`CREATE VIEW ${view} AS ${await tableSelectSql(database.name, table)}`);
      }
    }
    if (options.defaultDatabase !== undefined)
      await connection.run(`SET schema = ${quoteLiteral(options.defaultDatabase)}`);
    return queryRows(connection, sql);
  });
