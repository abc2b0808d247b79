// The packaging warm-up's contract with the test files (test/support/warm-up.ts makes, warm-up-wait.ts waits): a file
// waits for its own packagings only, and a packaging that fails fails the files that need it, naming it and why.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './support/packagings';
import { startWarmUp } from './support/warm-up';
import { waitForPackagings } from './support/warm-up-wait';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'glue-cd-warm-up-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

test('a failed packaging rejects the files that need it with its error; other files do not wait for it', async () => {
  const finished = await startWarmUp(
    [{ packaging: { serviceDir: 'services/no-such-service', stage: 'test' }, usedBy: ['test/needs-it.test.ts'] }],
    dir,
  );

  const other = waitForPackagings(dir, path.join(REPO_ROOT, 'test/other.test.ts'), 10);
  const needing = waitForPackagings(dir, path.join(REPO_ROOT, 'test/needs-it.test.ts'), 10);

  await expect(other).resolves.toBeUndefined();
  await expect(needing).rejects.toThrow(/^the run's packaging no-such-service@test failed:\n.*no-such-service/s);
  expect(await finished()).toMatchObject({ packaged: 0, cached: 0, failed: 1 });
});
