import { SqlQueryError, type ResultColumn } from '@glue-cd/data-lake';
import type { GlueCatalog } from '../glue/catalog';
import type { ResultRow } from './results-file';

const SHOW_TABLES = /^\s*SHOW\s+TABLES(?:\s+(?:IN|FROM)\s+`?([\w-]+)`?)?(?:\s+'([^']*)')?\s*;?\s*$/i;
const SHOW_DATABASES = /^\s*SHOW\s+(?:DATABASES|SCHEMAS)(?:\s+LIKE\s+'([^']*)')?\s*;?\s*$/i;

export type StatementType = 'DDL' | 'DML' | 'UTILITY';

/** Statement and substatement types as Athena reports them. */
export const statementTypes = (sql: string): { StatementType: StatementType; SubstatementType: string } => {
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

/** The answer of a `SHOW TABLES` / `SHOW DATABASES`, read from the catalog; undefined for any other statement. */
export const catalogStatement = (
  sql: string,
  catalog: GlueCatalog,
  defaultDatabase: string,
):
  | {
      columns: ResultColumn[];
      rows: ResultRow[];
      scannedBytes: number;
      header: boolean;
      /** The Glue call Athena makes for it as the caller (judged by IAM). */
      access: { operation: 'GetTables' | 'GetDatabases'; input: Record<string, string> };
    }
  | undefined => {
  // One string column of the matching names, sorted, without a header row (as Athena's .txt result).
  const listing = (column: string, names: string[], pattern: string | undefined) => ({
    columns: [{ name: column, type: 'string', precision: 0, scale: 0 }],
    rows: names
      .filter(showPattern(pattern))
      .sort()
      .map((name) => [name]),
    scannedBytes: 0,
    header: false,
  });
  const tables = SHOW_TABLES.exec(sql);
  if (tables) {
    const database = (tables[1] ?? defaultDatabase).toLowerCase();
    if (!catalog.hasDatabase(database)) {
      throw new SqlQueryError('SCHEMA_NOT_FOUND', `Database ${database} does not exist`);
    }
    return {
      ...listing(
        'tab_name',
        catalog.tables(database).map((table) => table.Name),
        tables[2],
      ),
      access: { operation: 'GetTables', input: { DatabaseName: database } },
    };
  }
  const databases = SHOW_DATABASES.exec(sql);
  if (databases) {
    return {
      ...listing(
        'database_name',
        catalog.databases().map((database) => database.Name),
        databases[1],
      ),
      access: { operation: 'GetDatabases', input: {} },
    };
  }
  return undefined;
};
