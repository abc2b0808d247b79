import { AwsServiceError } from './aws-error';

/** An opaque pagination token: the key of the last item of the previous page (stable across deletes). */
export const encodeToken = (cursor: Record<string, string | number>): string =>
  Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');

export const decodeToken = (
  token: string,
  errorCode: string,
  check: (cursor: Record<string, unknown>) => boolean = () => true,
): Record<string, unknown> => {
  try {
    const cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (
      typeof cursor === 'object' &&
      cursor !== null &&
      !Array.isArray(cursor) &&
      check(cursor as Record<string, unknown>)
    )
      return cursor as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new AwsServiceError(errorCode, 'Invalid pagination token', 400);
};

/**
 * One page of items sorted by `key`: those after the token's key, at most `maxResults`, and a NextToken when more
 * remain (the token names the last key returned).
 */
export const pageByKey = <T>(
  items: readonly T[],
  key: (item: T) => string,
  options: { nextToken?: string | undefined; maxResults?: number | undefined; defaultMax: number; errorCode: string },
): { items: T[]; nextToken?: string } => {
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const after =
    options.nextToken === undefined || options.nextToken === ''
      ? undefined
      : String(decodeToken(options.nextToken, options.errorCode, (cursor) => typeof cursor.after === 'string').after);
  const remaining = after === undefined ? sorted : sorted.filter((item) => key(item) > after);
  const max = options.maxResults ?? options.defaultMax;
  const page = remaining.slice(0, max);
  return remaining.length > max
    ? { items: page, nextToken: encodeToken({ after: key(page.at(-1)!) }) }
    : { items: page };
};
