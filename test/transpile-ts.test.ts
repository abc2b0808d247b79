// The project's TypeScript transpile (scripts/transpile-ts.cjs, used by scripts/run-ts.cjs and the jest transform):
// the same text in two folders (a build's copy of the source) is one cache entry, and a trace from either copy names
// that copy's own file and TypeScript line.
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeTempDir } from './support/temp-dirs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { transpile, transpileKey } = require('../scripts/transpile-ts.cjs') as {
  transpile(source: string, filename: string): string;
  transpileKey(source: string, filename: string): string;
};

const RUN_TS = path.resolve(__dirname, '..', 'scripts', 'run-ts.cjs');
const SOURCE = [
  'type Reading = { value: number };',
  'const check = (reading: Reading): number => {',
  "  if (reading.value < 0) throw new Error('negative reading');",
  '  return reading.value;',
  '};',
  'check({ value: -1 });',
  '',
].join('\n');

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('glue-cd-transpile');
});

test('the same text in another folder transpiles to the same output under the same key', () => {
  const a = path.join(dir, 'checkout', 'scripts', 'check.ts');
  const b = path.join(dir, 'codebuild-1234', 'src', 'scripts', 'check.ts');

  expect(transpileKey(SOURCE, b)).toBe(transpileKey(SOURCE, a));
  expect(transpile(SOURCE, b)).toBe(transpile(SOURCE, a));
  // What the output depends on still changes the key: the text and the file's name.
  expect(transpileKey(`${SOURCE}\n`, a)).not.toBe(transpileKey(SOURCE, a));
  expect(transpileKey(SOURCE, path.join(dir, 'checkout', 'scripts', 'other.ts'))).not.toBe(transpileKey(SOURCE, a));
});

test('a trace from either copy names that copy and the TypeScript line', async () => {
  const files = ['checkout', 'copy'].map((folder) => path.join(dir, folder, 'lib', 'check.ts'));
  for (const file of files) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, SOURCE);
  }

  const traces = files.map((file) => spawnSync(process.execPath, [RUN_TS, file], { encoding: 'utf8' }));

  for (const [index, trace] of traces.entries()) {
    expect(trace.status).toBe(1);
    expect(trace.stderr).toContain('negative reading');
    expect(trace.stderr).toContain(`at check (${files[index]}:3:32)`);
  }
});

test('a trace is Node’s format: an async frame mapped too, and Node’s own errors keep their code in the head', async () => {
  const file = path.join(dir, 'async', 'check.ts');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    [
      'type Value = number; // no JavaScript: every later line moves up one',
      'const later = async (value: Value): Promise<string> => {',
      '  await new Promise((resolve) => setTimeout(resolve, 1));',
      "  return require('node:path').join(value) as string;",
      '};',
      'later(5).catch((error: Error) => {',
      '  process.stdout.write(error.stack ?? "");',
      '});',
      '',
    ].join('\n'),
  );

  const trace = spawnSync(process.execPath, [RUN_TS, file], { encoding: 'utf8' });

  expect(trace.stdout.split('\n')[0]).toMatch(/^TypeError \[ERR_INVALID_ARG_TYPE\]: The "path" argument/);
  expect(trace.stdout).toContain(`at later (${file}:4:31)`);
});
