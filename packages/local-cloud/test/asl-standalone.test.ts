// The ASL definition check (asl-validator, patches/asl-validator@3.16.0.patch): its schema validator is loaded from
// Ajv's standalone code, stored per user in the OS temp folder by the first process that compiles it. The stored code
// must judge every definition as the compiled one does, be read back instead of compiled, and never be taken from a
// folder that is not this user's alone, nor when it does not load.
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeTempDir } from '../../../test/support/temp-dirs';

type Validator = (definition: unknown, options?: { checkPaths: boolean; checkArn: boolean }) => unknown;

// One store for the file: the first test fills it, the second reads it back.
let tmp: string;
let store: string;
beforeAll(async () => {
  tmp = await makeTempDir('glue-cd-asl');
  store = path.join(tmp, 'store');
});
afterEach(() => {
  delete process.env.ASL_VALIDATOR_STANDALONE;
});

/**
 * A fresh copy of asl-validator (its validators are kept per module instance), its store in this test's folder
 * (ASL_VALIDATOR_STANDALONE names it; by default it is in the OS temp folder, per user) or switched off.
 */
const loadValidator = (standalone: boolean, folder = store): Validator => {
  process.env.ASL_VALIDATOR_STANDALONE = standalone ? folder : 'off';
  let validator: Validator | undefined;
  // The validator requires its stored code when first called, after isolateModules: from the file's own registry.
  jest.resetModules();
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    validator = require('asl-validator') as Validator;
  });
  return validator!;
};

const stored = async (folder = store): Promise<string[]> => (await readdir(folder).catch(() => [])).sort();

/** A definition with every kind of state, paths, intrinsics, retries and catches: the corpus's starting point. */
const BASE_DEFINITION = {
  Comment: 'every kind of state',
  StartAt: 'Prepare',
  TimeoutSeconds: 600,
  States: {
    Prepare: {
      Type: 'Pass',
      Parameters: { 'id.$': '$$.Execution.Id', 'name.$': "States.Format('x-{}', $.name)" },
      ResultPath: '$.prepared',
      Next: 'Work',
    },
    Work: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:us-east-1:123456789012:function:glue-cd-work',
      InputPath: '$.prepared',
      ResultPath: '$.result',
      TimeoutSeconds: 30,
      Retry: [{ ErrorEquals: ['States.Timeout'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
      Next: 'Route',
    },
    Route: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.result.status', StringEquals: 'busy', Next: 'Later' },
        {
          And: [
            { Variable: '$.result.count', NumericGreaterThan: 0 },
            { Variable: '$.result.ok', BooleanEquals: true },
          ],
          Next: 'Fan',
        },
      ],
      Default: 'Done',
    },
    Later: { Type: 'Wait', SecondsPath: '$.result.wait', Next: 'Work' },
    Fan: {
      Type: 'Parallel',
      Branches: [{ StartAt: 'One', States: { One: { Type: 'Pass', End: true } } }],
      ResultPath: '$.fan',
      Next: 'Each',
    },
    Each: {
      Type: 'Map',
      ItemsPath: '$.result.items',
      MaxConcurrency: 2,
      ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Pass', End: true } } },
      Next: 'Done',
    },
    Failed: { Type: 'Fail', Error: 'WorkFailed', Cause: 'the work failed' },
    Done: { Type: 'Succeed' },
  },
};

/** Definitions derived from `base` by deleting, replacing or adding members at seeded random places. */
const mutations = (base: object, count: number): unknown[] => {
  let seed = 20261128;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const paths: string[][] = [];
  const collect = (value: unknown, at: string[]) => {
    if (!value || typeof value !== 'object') return;
    for (const key of Object.keys(value)) {
      paths.push([...at, key]);
      collect((value as Record<string, unknown>)[key], [...at, key]);
    }
  };
  collect(base, []);
  const values = [1, 'x', null, [], {}, true, '$.a', '$$.Execution.Id', '$.a[', 'States.ALL', -1, '{% 1 %}'];
  return Array.from({ length: count }, () => {
    const definition = structuredClone(base);
    for (let edits = Math.floor(random() * 3); edits > 0; edits -= 1) {
      const at = paths[Math.floor(random() * paths.length)]!;
      let parent: unknown = definition;
      for (const key of at.slice(0, -1)) parent = (parent as Record<string, unknown> | undefined)?.[key];
      if (!parent || typeof parent !== 'object') continue;
      const record = parent as Record<string, unknown>;
      const choice = random();
      if (choice < 0.4) delete record[at.at(-1)!];
      else if (choice < 0.8) record[at.at(-1)!] = values[Math.floor(random() * values.length)];
      else record[`Extra${edits}`] = 1;
    }
    return definition;
  });
};

/** Edits at the places each format checks (paths, payload templates, ARNs, JSONata), valid and not. */
const FORMAT_EDITS: [string[], unknown][] = [
  [['States', 'Work', 'InputPath'], '$.a['],
  [['States', 'Work', 'InputPath'], '$.items[0].name'],
  [['States', 'Work', 'ResultPath'], '$$.Execution.Id'],
  [['States', 'Work', 'ResultPath'], null],
  [['States', 'Work', 'OutputPath'], 'nope'],
  [['States', 'Prepare', 'Parameters', 'id.$'], 'not-a-path'],
  [['States', 'Prepare', 'Parameters', 'id.$'], 'States.Array($.a, $.b)'],
  [['States', 'Prepare', 'Parameters', 'id.$'], 'States.Nope($.a)'],
  [['States', 'Route', 'Choices', '0', 'Variable'], '$.a['],
  [['States', 'Later', 'SecondsPath'], 'x'],
  [['States', 'Each', 'ItemsPath'], '$.['],
  [['States', 'Work', 'Resource'], 'not-an-arn'],
  [['States', 'Work', 'Resource'], 'arn:aws:states:::lambda:invoke'],
  [['States', 'Failed', 'Cause'], '{% $states.input.cause %}'],
  [['States', 'Failed', 'QueryLanguage'], 'JSONata'],
];

const edited = (base: object, at: string[], value: unknown): object => {
  const definition = structuredClone(base) as Record<string, unknown>;
  let parent: Record<string, unknown> = definition;
  for (const key of at.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  parent[at.at(-1)!] = value;
  return definition;
};

/** What a validator says of a definition (a copy: it writes QueryLanguage into the states), or what it throws. */
const verdict = (validate: Validator, definition: unknown, options?: { checkPaths: boolean; checkArn: boolean }) => {
  try {
    // Its answer as data (it also carries an errorsText function, a new one per copy of the module).
    const { isValid, errors } = validate(structuredClone(definition), options) as { isValid: boolean; errors: unknown };
    return { isValid, errors };
  } catch (error) {
    return { thrown: (error as Error).message };
  }
};

test('the stored standalone validator judges every definition as the compiled one', async () => {
  const compiled = loadValidator(false);
  const standalone = loadValidator(true);
  const corpus = [
    ...FORMAT_EDITS.map(([at, value]) => edited(BASE_DEFINITION, at, value)),
    // The Failed state in JSONata, its Cause an expression that does not parse.
    edited(
      edited(BASE_DEFINITION, ['States', 'Failed', 'QueryLanguage'], 'JSONata'),
      ['States', 'Failed', 'Cause'],
      '{% ( %}',
    ),
    ...mutations(BASE_DEFINITION, 150),
  ];
  // The option set both users ask for (asl-validator's default: the local Step Functions, serverless-step-functions).
  // Each compile costs ~0.7 CPU-s: that set alone here, the other sets differ only in which formats are stubs.
  let invalid = 0;
  for (const definition of corpus) {
    const expected = verdict(compiled, definition);
    expect(verdict(standalone, definition)).toEqual(expected);
    if ((expected as { isValid?: boolean }).isValid !== true) invalid += 1;
  }
  // The corpus exercises both answers, and errors beyond the schema's (those come after a schema pass).
  expect(invalid).toBeGreaterThan(30);
  expect(invalid).toBeLessThan(120);
  // One stored validator for the option set.
  expect(await stored()).toHaveLength(1);
  // The compiled copy stored nothing: only the standalone one reads or writes the store.
  expect((await stored()).every((name) => /^state-machine-[0-9a-f]{32}\.js$/.test(name))).toBe(true);
});

test('a later process reads the stored code instead of compiling; code that does not load is compiled and replaced', async () => {
  const options = { checkPaths: true, checkArn: true };
  const files = (await stored()).map((name) => path.join(store, name));
  expect(verdict(loadValidator(true), BASE_DEFINITION, options)).toEqual({ isValid: true, errors: [] });
  // The first test stored this option set's code: read back, nothing new.
  expect(await stored()).toHaveLength(1);

  // What the store holds is what runs: a stand-in that refuses everything is believed.
  const standIn =
    'module.exports = function v() { v.errors = [{ instancePath: "/X", schemaPath: "#/x", message: "stand-in" }]; return false; };';
  for (const file of files) await writeFile(file, standIn);
  expect(verdict(loadValidator(true), BASE_DEFINITION, options)).toMatchObject({
    isValid: false,
    errors: [{ Message: '/X is invalid. stand-in' }],
  });

  // Code that throws as it loads is not used: the check compiles, answers right, and stores working code again.
  for (const file of files) await writeFile(file, 'throw new Error("corrupt");');
  expect(verdict(loadValidator(true), BASE_DEFINITION, options)).toEqual({ isValid: true, errors: [] });
  expect(verdict(loadValidator(true), { StartAt: 'A', States: {} }, options)).toMatchObject({ isValid: false });
  const texts = await Promise.all(files.map((file) => readFile(file, 'utf8')));
  expect(texts.filter((text) => text.includes('module.exports = validate'))).toHaveLength(1);
});

test('only a folder of this user that others may not write to is used as the store', async () => {
  const { ownStore } = jest.requireActual<{ ownStore: (fs: unknown, dir: string) => string | undefined }>(
    'asl-validator/dist/src/checks/json-schema-errors',
  );
  const fs = jest.requireActual<typeof import('node:fs')>('node:fs');
  const own = path.join(tmp, 'own');
  expect(ownStore(fs, own)).toBe(own);
  expect((await stat(own)).mode & 0o777).toBe(0o700);
  const open = path.join(tmp, 'open');
  await mkdir(open);
  await chmod(open, 0o777);
  expect(ownStore(fs, open)).toBeUndefined();
  await chmod(open, 0o755);
  expect(ownStore(fs, open)).toBe(open);
  // Another user's folder: the same check, on the folder's owner (a file where the folder should be fails too).
  const file = path.join(tmp, 'file');
  await writeFile(file, '');
  expect(ownStore(fs, file)).toBeUndefined();
  const otherUsers = {
    ...fs,
    lstatSync: (dir: string) => ({ ...fs.lstatSync(dir), isDirectory: () => true, uid: 12345, mode: 0o40700 }),
  };
  expect(ownStore(otherUsers, own)).toBeUndefined();
});
