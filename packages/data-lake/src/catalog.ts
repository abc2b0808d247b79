import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CatalogError, formatIssuePath } from './errors';

export const CatalogColumnSchema = z.strictObject({ name: z.string().min(1), type: z.string().min(1) });

export const CatalogTableSchema = z.strictObject({
  name: z.string().min(1),
  /** Folder the table reads, like a Glue table's StorageDescriptor.Location. */
  location: z.string().min(1),
  format: z.enum(['csv', 'parquet']),
  columns: z.array(CatalogColumnSchema),
  recordCount: z.number().int().nonnegative().optional(),
  updatedAt: z.string().optional(),
});

export const CatalogDatabaseSchema = z.strictObject({
  name: z.string().min(1),
  tables: z.record(z.string(), CatalogTableSchema),
});

export const CatalogStateSchema = z.strictObject({
  databases: z.record(z.string(), CatalogDatabaseSchema),
});

export type CatalogColumn = z.infer<typeof CatalogColumnSchema>;
export type CatalogTable = z.infer<typeof CatalogTableSchema>;
export type CatalogDatabase = z.infer<typeof CatalogDatabaseSchema>;
export type CatalogState = z.infer<typeof CatalogStateSchema>;

export const CATALOG_FILE_NAME = 'catalog.json';

/** A Glue-Data-Catalog-like store persisted as `<stateDir>/catalog.json`: databases -> tables. */
export class LocalCatalog {
  private constructor(
    readonly file: string,
    private state: CatalogState,
  ) {}

  /** Opens (or starts) the catalog of a state folder. */
  static async open(stateDir: string): Promise<LocalCatalog> {
    const file = join(stateDir, CATALOG_FILE_NAME);
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new CatalogError(`Cannot read catalog ${file}: ${(error as Error).message}`);
    }
    if (text === undefined) return new LocalCatalog(file, { databases: {} });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new CatalogError(`Catalog ${file} is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = CatalogStateSchema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (issue) => `${formatIssuePath(issue.path) || '(root)'}: ${issue.message}`,
      );
      throw new CatalogError(`Catalog ${file} is invalid: ${problems.join('; ')}`);
    }
    return new LocalCatalog(file, parsed.data);
  }

  databases(): CatalogDatabase[] {
    return Object.values(this.state.databases);
  }

  getTable(databaseName: string, tableName: string): CatalogTable | undefined {
    return this.state.databases[databaseName]?.tables[tableName];
  }

  /** Creates or replaces a table (creating its database), then persists the catalog. */
  async putTable(databaseName: string, table: CatalogTable): Promise<void> {
    const database = this.state.databases[databaseName] ?? { name: databaseName, tables: {} };
    database.tables[table.name] = CatalogTableSchema.parse(table);
    this.state.databases[databaseName] = database;
    await this.save();
  }

  private async save(): Promise<void> {
    await mkdir(join(this.file, '..'), { recursive: true });
    const partial = `${this.file}.${process.pid}.tmp`;
    await writeFile(partial, `${JSON.stringify(this.state, null, 2)}\n`);
    await rename(partial, this.file); // readers never see a half-written catalog
  }
}
