// Bounded concurrency, for work a shared machine (or a service quota) should not run all at once.

/**
 * Runs at most `limit` tasks at a time, in the order they are handed in: a freed slot passes straight to the next
 * waiting task, so no newcomer can jump the queue past the limit.
 */
export const concurrencyLimit = (limit: number) => {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active < limit) active += 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  };
};

/**
 * `fn` over `items`, at most `limit` at a time, started in the items' order; resolves with the results in that order
 * (rejects with the first failure, as Promise.all does).
 */
export const mapConcurrently = async <T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> => {
  const limited = concurrencyLimit(limit);
  return Promise.all(items.map((item, index) => limited(() => fn(item, index))));
};
