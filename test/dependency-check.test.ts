import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkDependencies, formatDependencyCheck, importsOf, packageName } from '../scripts/dependency-check';

// `pnpm deps:check`: the checker on small repositories built in temp folders, then on this repository.

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'glue-cd-deps-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const write = (file: string, text: string) => {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
};
const manifest = (dir: string, content: Record<string, unknown>) =>
  write(path.join(dir, 'package.json'), JSON.stringify(content));

/** A small clean monorepo: a root with tools, one package whose src and tests use what it declares. */
const cleanRepo = () => {
  write('pnpm-workspace.yaml', "packages:\n  - 'packages/*'\n");
  manifest('', {
    name: 'repo',
    scripts: { test: 'tsc -p . && jest' },
    devDependencies: { typescript: '5', jest: '30', '@types/node': '20', '@types/jest': '30', 'ts-jest': '29' },
  });
  write('node_modules/typescript/package.json', JSON.stringify({ name: 'typescript', bin: { tsc: 'bin/tsc' } }));
  write('node_modules/jest/package.json', JSON.stringify({ name: 'jest', bin: 'bin/jest.js' }));
  write('jest.config.ts', "export default { transform: { '^.+\\\\.ts$': ['ts-jest', {}] } };\n");
  write('scripts/tool.ts', "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n");
  manifest('packages/lib', {
    name: '@repo/lib',
    dependencies: { zod: '4', '@scope/util': '1' },
    devDependencies: { '@types/aws-lambda': '8', 'fast-check': '4' },
  });
  write(
    'packages/lib/src/index.ts',
    [
      "import { z } from 'zod';",
      "import type { Context } from 'aws-lambda';",
      "export { helper } from '@scope/util/sub/path';",
      "import { local } from './local';",
      'export const schema = z.string();',
      'export type Handler = (context: Context) => void;',
      'export { local };',
    ].join('\n'),
  );
  write('packages/lib/src/local.ts', 'export const local = 1;\n');
  write('packages/lib/test/lib.test.ts', "import fc from 'fast-check';\nimport { schema } from '@repo/lib';\n");
};

const problems = () => checkDependencies(root).problems.map((p) => `${p.manifest}: ${p.dependency}: ${p.problem}`);

describe('the dependency check', () => {
  test('a repository whose package.json files match its imports has no problem', () => {
    cleanRepo();
    const check = checkDependencies(root);
    expect(check.problems).toEqual([]);
    expect(check).toMatchObject({ packages: 2, files: 5 });
    expect(formatDependencyCheck(check)).toMatch(/^dependencies: 2 package.json files agree with \d+ imports in 5/);
  });

  test('a dependency nothing imports is named, in dependencies and in devDependencies', () => {
    cleanRepo();
    manifest('packages/lib', {
      name: '@repo/lib',
      dependencies: { zod: '4', '@scope/util': '1', yaml: '2' },
      devDependencies: { '@types/aws-lambda': '8', 'fast-check': '4', prettier: '3' },
    });
    expect(problems()).toEqual([
      'packages/lib/package.json: prettier: declared in devDependencies but never imported nor named as a tool in scripts or config',
      'packages/lib/package.json: yaml: declared in dependencies but never imported',
    ]);
  });

  test('an import no package.json declares is named with the file', () => {
    cleanRepo();
    write('packages/lib/src/extra.ts', "const { parse } = require('yaml');\nexport default parse;\n");
    write('packages/lib/test/extra.test.ts', "jest.mock('@aws-sdk/client-s3');\n");
    expect(problems()).toEqual([
      'packages/lib/package.json: @aws-sdk/client-s3: imported by packages/lib/test/extra.test.ts but not declared (here or in the root devDependencies)',
      'packages/lib/package.json: yaml: imported by packages/lib/src/extra.ts but not declared in dependencies',
    ]);
  });

  test('the wrong section: run-time code needs dependencies, a dependency only tests use is a devDependency', () => {
    cleanRepo();
    manifest('packages/lib', {
      name: '@repo/lib',
      dependencies: { '@scope/util': '1', 'fast-check': '4' },
      devDependencies: { zod: '4', '@types/aws-lambda': '8' },
    });
    expect(problems()).toEqual([
      'packages/lib/package.json: fast-check: only tests, scripts or types use it: move it from dependencies to devDependencies',
      'packages/lib/package.json: zod: imported at run time by packages/lib/src/index.ts: move it from devDependencies to dependencies',
    ]);
  });

  test('types: a type-only import is satisfied by @types in devDependencies; an unused @types package is named', () => {
    cleanRepo();
    write('packages/lib/src/index.ts', "import { z } from 'zod';\nexport { helper } from '@scope/util';\nz;\n");
    expect(problems()).toEqual([
      'packages/lib/package.json: @types/aws-lambda: declared in devDependencies but never imported nor named as a tool in scripts or config',
    ]);
  });

  test('tools count when scripts or config name them (binary or package), and nowhere else', () => {
    cleanRepo();
    write('jest.config.ts', 'export default {};\n');
    // A prettier plugin is named by prettier's configuration.
    write('.prettierrc.json', JSON.stringify({ plugins: ['@prettier/plugin-oxc'] }));
    manifest('', {
      name: 'repo',
      scripts: { test: 'jest' },
      devDependencies: {
        typescript: '5',
        jest: '30',
        '@types/node': '20',
        '@types/jest': '30',
        'ts-jest': '29',
        '@prettier/plugin-oxc': '0',
      },
    });
    expect(problems()).toEqual([
      'package.json: ts-jest: declared in devDependencies but never imported nor named as a tool in scripts or config',
      'package.json: typescript: declared in devDependencies but never imported nor named as a tool in scripts or config',
    ]);
  });

  test('a peer dependency of a used dependency is used: the consumer installs it', () => {
    cleanRepo();
    manifest('packages/lib', {
      name: '@repo/lib',
      dependencies: { zod: '4', '@scope/util': '1', '@scope/data': '1', unrelated: '1' },
      devDependencies: { '@types/aws-lambda': '8', 'fast-check': '4' },
    });
    write(
      'packages/lib/node_modules/@scope/util/package.json',
      JSON.stringify({ name: '@scope/util', peerDependencies: { '@scope/data': '1' } }),
    );
    expect(problems()).toEqual(['packages/lib/package.json: unrelated: declared in dependencies but never imported']);
  });

  test('a dependency declared twice is named', () => {
    cleanRepo();
    manifest('packages/lib', {
      name: '@repo/lib',
      dependencies: { zod: '4', '@scope/util': '1' },
      devDependencies: { zod: '4', '@types/aws-lambda': '8', 'fast-check': '4' },
    });
    expect(problems()).toContain('packages/lib/package.json: zod: declared in both dependencies and devDependencies');
  });
});

describe('imports of a file', () => {
  test('import, export, require, require.resolve, import(), jest.mock, import types; relative and built-ins aside', () => {
    const uses = importsOf(
      'x.ts',
      [
        "import a from 'a';",
        "import type { B } from 'b';",
        "import { type C } from 'c';",
        "import { type D, e } from 'd';",
        "export * from '@s/f/deep';",
        "export type { G } from 'g';",
        "const h = require('h');",
        "require.resolve('i/package.json');",
        "require.resolve('j', { paths: [dir] });",
        "await import('k');",
        "jest.mock('l');",
        "type M = import('m').M;",
        "import './relative';",
        "import fs from 'node:fs';",
        "import path from 'path';",
        "// import z from 'commented';",
        'const text = "from \'not-an-import\'";',
      ].join('\n'),
    );
    expect(uses).toEqual([
      { name: 'a', typeOnly: false },
      { name: 'b', typeOnly: true },
      { name: 'c', typeOnly: true },
      { name: 'd', typeOnly: false },
      { name: '@s/f', typeOnly: false },
      { name: 'g', typeOnly: true },
      { name: 'h', typeOnly: false },
      { name: 'i', typeOnly: false },
      { name: 'k', typeOnly: false },
      { name: 'l', typeOnly: false },
      { name: 'm', typeOnly: true },
      { name: 'node:', typeOnly: false },
      { name: 'node:', typeOnly: false },
    ]);
  });

  test('package names', () => {
    expect([packageName('@a/b/c'), packageName('a/b'), packageName('./a'), packageName('fs/promises')]).toEqual([
      '@a/b',
      'a',
      undefined,
      'node:',
    ]);
  });
});

test('this repository: every declared dependency used, every import declared (pnpm deps:check)', () => {
  const run = spawnSync(process.execPath, ['scripts/run-ts.cjs', 'scripts/check-dependencies.ts'], {
    cwd: path.resolve(__dirname, '..'),
    encoding: 'utf8',
  });
  expect(run.stderr).toBe('');
  expect(run.stdout).toMatch(/^dependencies: \d+ package.json files agree with \d+ imports in \d+ files\n$/);
  expect(run.status).toBe(0);
});
