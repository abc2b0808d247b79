import { mapConcurrently } from '../src/concurrency';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mapConcurrently', () => {
  it('runs at most `limit` at once, starts in order and resolves in the items’ order', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];

    const results = await mapConcurrently([30, 5, 20, 1, 10], 2, async (ms, index) => {
      started.push(index);
      running += 1;
      most = Math.max(most, running);
      await tick(ms);
      running -= 1;
      return ms * 2;
    });

    expect(results).toEqual([60, 10, 40, 2, 20]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  it('rejects with a failure of one item', async () => {
    const run = mapConcurrently([1, 2, 3], 2, async (n) => {
      if (n === 2) throw new Error('item 2 failed');
      return n;
    });

    await expect(run).rejects.toThrow('item 2 failed');
  });

  it('resolves with no results for no items', async () => {
    await expect(mapConcurrently([], 4, async () => 1)).resolves.toEqual([]);
  });
});
