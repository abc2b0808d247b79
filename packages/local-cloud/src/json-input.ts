import type { z } from 'zod';
import { AwsServiceError } from './aws-error';

/** AWS's member path in validation messages: `databaseInput.name`, `columns.1.name` (camel-cased, 1-based). */
const memberPath = (path: readonly PropertyKey[]): string =>
  path
    .map((segment) =>
      typeof segment === 'number'
        ? String(segment + 1)
        : `${String(segment)[0]?.toLowerCase() ?? ''}${String(segment).slice(1)}`,
    )
    .join('.');

const constraintOf = (issue: z.core.$ZodIssue): string => {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'Member must not be null';
  if (issue.code === 'too_small') return `Member must have length greater than or equal to ${String(issue.minimum)}`;
  if (issue.code === 'too_big') return `Member must have length less than or equal to ${String(issue.maximum)}`;
  if (issue.code === 'invalid_value') return `Member must satisfy enum value set: [${issue.values.join(', ')}]`;
  return `Member ${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}`;
};

/**
 * Validates a JSON operation's input once, at the edge. Failures read like AWS's framework validation
 * ("1 validation error detected: Value at 'databaseInput.name' failed to satisfy constraint: Member must not be null")
 * under the service's own error code (Glue: InvalidInputException, Athena: InvalidRequestException …).
 */
export const parseInput = <T extends z.ZodType>(schema: T, input: unknown, code: string): z.infer<T> => {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `Value at '${memberPath(issue.path)}' failed to satisfy constraint: ${constraintOf(issue)}`,
  );
  throw new AwsServiceError(
    code,
    `${problems.length} validation error${problems.length === 1 ? '' : 's'} detected: ${problems.join('; ')}`,
    400,
  );
};

/** A timestamp as the JSON protocols send it: epoch seconds with milliseconds. */
export const epochSeconds = (date: Date | string = new Date()): number =>
  (typeof date === 'string' ? Date.parse(date) : date.getTime()) / 1000;

/** A deep copy through JSON, so callers never hold a reference into a service's state. */
export const jsonCopy = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));
