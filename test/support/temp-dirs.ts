// Temp folders for tests, removed after the test file that made them: each test file loads its own copy of this
// module (jest's registry per file), whose afterAll removes what that file's tests made.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const madeDirs: string[] = [];
afterAll(() => Promise.all(madeDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true }))));

/** A new temp folder for a test, removed after the test file's tests. */
export const makeTempDir = async (prefix: string): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  madeDirs.push(dir);
  return dir;
};
