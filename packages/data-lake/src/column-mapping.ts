import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ColumnMappingError, formatIssuePath } from './errors';

/** Column types of the mapping, named as Glue/Athena name them. `decimal(p,s)` with 1 <= p <= 38, 0 <= s <= p. */
export const SIMPLE_COLUMN_TYPES = ['string', 'int', 'bigint', 'double', 'boolean', 'date', 'timestamp'] as const;
export type SimpleColumnType = (typeof SIMPLE_COLUMN_TYPES)[number];
export type DecimalColumnType = `decimal(${number},${number})`;
export type ColumnType = SimpleColumnType | DecimalColumnType;

const DECIMAL_TYPE = /^decimal\((\d{1,2}),(\d{1,2})\)$/;

/** Precision and scale of a `decimal(p,s)` type, or undefined for any other type. */
export const decimalPrecisionScale = (type: string): { precision: number; scale: number } | undefined => {
  const match = DECIMAL_TYPE.exec(type);
  if (!match) return undefined;
  return { precision: Number(match[1]), scale: Number(match[2]) };
};

const ColumnTypeSchema = z.string().refine(
  (type): type is ColumnType => {
    if ((SIMPLE_COLUMN_TYPES as readonly string[]).includes(type)) return true;
    const decimal = decimalPrecisionScale(type);
    return (
      decimal !== undefined && decimal.precision >= 1 && decimal.precision <= 38 && decimal.scale <= decimal.precision
    );
  },
  { message: `must be one of ${SIMPLE_COLUMN_TYPES.join(', ')} or decimal(p,s) with 1 <= p <= 38 and s <= p` },
) as unknown as z.ZodType<ColumnType>;

const ColumnNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain column name [A-Za-z_][A-Za-z0-9_]*');

export const ColumnMappingEntrySchema = z.strictObject({
  /** Column name in the raw CSV header. */
  source: z.string().min(1, 'must not be empty'),
  /** Column name in the curated Parquet table. */
  target: ColumnNameSchema,
  type: ColumnTypeSchema,
  /** A required column rejects the row when its value is missing (null or blank). */
  required: z.boolean(),
});

export const ColumnMappingSchema = z
  .strictObject({
    columns: z.array(ColumnMappingEntrySchema).min(1, 'must map at least one column'),
  })
  .superRefine((mapping, context) => {
    const seenTargets = new Map<string, number>();
    const seenSources = new Map<string, number>();
    mapping.columns.forEach((column, index) => {
      const targetKey = column.target.toLowerCase(); // Glue/Athena column names are case-insensitive
      const firstTarget = seenTargets.get(targetKey);
      if (firstTarget !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['columns', index, 'target'],
          message: `duplicate target column "${column.target}" (also columns[${firstTarget}])`,
        });
      } else seenTargets.set(targetKey, index);
      const firstSource = seenSources.get(column.source);
      if (firstSource !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['columns', index, 'source'],
          message: `source column "${column.source}" is mapped twice (also columns[${firstSource}])`,
        });
      } else seenSources.set(column.source, index);
    });
  });

export type ColumnMappingEntry = z.infer<typeof ColumnMappingEntrySchema>;
export type ColumnMapping = z.infer<typeof ColumnMappingSchema>;

/** `columns[3] (column "fare_amount").type`: the issue path with the source column named, as job.py words it. */
const issueLocation = (input: unknown, path: readonly PropertyKey[]): string => {
  const [first, index, ...rest] = path;
  if (first !== 'columns' || typeof index !== 'number' || typeof input !== 'object' || input === null) {
    return formatIssuePath(path) || '(root)';
  }
  const columns = (input as { columns?: unknown }).columns;
  const column: unknown = Array.isArray(columns) ? columns[index] : undefined;
  const source = typeof column === 'object' && column !== null ? (column as { source?: unknown }).source : undefined;
  const named = typeof source === 'string' ? `columns[${index}] (column "${source}")` : `columns[${index}]`;
  return rest.length > 0 ? `${named}.${formatIssuePath(rest)}` : named;
};

/** Validates a parsed mapping.json; throws ColumnMappingError naming every bad column and field. */
export const parseColumnMapping = (json: unknown, origin = 'column mapping'): ColumnMapping => {
  const parsed = ColumnMappingSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issueLocation(json, issue.path)}: ${issue.message}`);
  throw new ColumnMappingError(`Invalid ${origin}: ${problems.join('; ')}`);
};

/** Reads and validates a mapping.json file. */
export const loadColumnMapping = async (path: string): Promise<ColumnMapping> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ColumnMappingError(`Cannot read column mapping ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ColumnMappingError(`Column mapping ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseColumnMapping(json, `column mapping ${path}`);
};
