/**
 * `fn` over `items`, at most `limit` at a time, started in the items' order; resolves with the results in that order
 * (rejects with the first failure, as Promise.all does). For file I/O and Lambda inits a shared machine should not
 * run all at once.
 */
export const mapConcurrently = async <T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> => {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};
