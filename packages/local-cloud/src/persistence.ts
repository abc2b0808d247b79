import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** `<stateDir>/state/<name>.json`: where each service persists its control-plane records. */
export const stateFile = (stateDir: string, name: string): string => path.join(stateDir, 'state', `${name}.json`);

export function readJsonState<T>(file: string, fallback: T): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`Local cloud state file ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Written synchronously through a temp file + rename so a killed process never leaves half a file. */
export function writeJsonState(file: string, value: unknown, options: { createFolder?: boolean } = {}): void {
  if (options.createFolder !== false) mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temp, file);
}
