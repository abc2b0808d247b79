// The outcome of work jest's own process does for the tests (a warm-up packaging, the Chromium install), handed to
// the test files in their worker processes as a JSON file: written once, renamed into place so that a reader never
// sees half of it, and waited for by polling (the writer is another process). Node built-ins only: every test file
// loads it (through warm-up-wait.ts).
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';

/** Writes `outcome` to `file` whole: to `<file>.tmp`, then renamed. */
export const writeOutcome = async (file: string, outcome: unknown): Promise<void> => {
  await writeFile(`${file}.tmp`, JSON.stringify(outcome));
  await rename(`${file}.tmp`, file);
};

/** The outcome in `file`, once it is there (checked every `pollMs`). */
export const awaitOutcome = async <Outcome>(file: string, pollMs = 100): Promise<Outcome> => {
  while (!existsSync(file)) await new Promise((resolve) => setTimeout(resolve, pollMs));
  return JSON.parse(await readFile(file, 'utf8')) as Outcome;
};
