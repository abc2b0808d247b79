// SQL text building blocks shared by every statement the engine writes (DuckDB dialect).

/** `"name"` with embedded quotes doubled. */
export const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;
/** `'text'` with embedded quotes doubled. */
export const quoteLiteral = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** A SQL list literal of file paths, for read_csv / read_parquet. */
export const fileListLiteral = (files: readonly string[]): string => `[${files.map(quoteLiteral).join(', ')}]`;
