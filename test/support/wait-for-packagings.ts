// jest setupFilesAfterEnv: a test file that needs packagings of the run's warm-up (test/support/packagings.ts) waits
// for them before its own hooks run, so it copies them from the package cache instead of packaging them again.
import { WARM_UP_DIR, waitForPackagings } from './warm-up-wait';

const dir = process.env[WARM_UP_DIR];
const testPath = expect.getState().testPath;
// The warm-up makes every packaging a run needs in about a minute; a shared, loaded machine takes longer.
if (dir && testPath) beforeAll(() => waitForPackagings(dir, testPath), 1_800_000);
