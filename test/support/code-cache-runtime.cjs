// jest `runtime` (jest.config.ts): jest's own jest-runtime, the one jest-runner would load, with one change in the
// worker process that loads it: a module compiled for an earlier test file of this worker is compiled again from the
// V8 code cache that compile produced, instead of parsed anew. jest compiles every module once per test file (each
// file has its own module registry), so without it every file parses the SDK, the local cloud … again.
'use strict';
const { createHash } = require('node:crypto');
const vm = require('node:vm');

const resolveFrom = (name, file) => require.resolve(name, { paths: [file] });
const JEST_RUNTIME = resolveFrom(
  'jest-runtime',
  resolveFrom('jest-runner', resolveFrom('@jest/core', require.resolve('jest'))),
);

/** Code cache by file name, with the hash of what it was made from: used only for the same parameters and code. */
const codeCache = new Map();
const hashOf = (params, code) =>
  createHash('sha1')
    .update(`${(params ?? []).join(',')}\0`)
    .update(code)
    .digest('base64');

const compileFunction = vm.compileFunction;
vm.compileFunction = function compileFunctionWithCodeCache(code, params, options) {
  const filename = options?.filename;
  if (typeof filename !== 'string' || typeof code !== 'string') return compileFunction.call(vm, code, params, options);
  const hash = hashOf(params, code);
  const kept = codeCache.get(filename);
  if (kept?.hash === hash) {
    const compiled = compileFunction.call(vm, code, params, { ...options, cachedData: kept.data });
    // V8 compiled the code itself when it rejected the cache (another V8 flag set): the function is the same.
    if (compiled.cachedDataRejected) codeCache.delete(filename);
    return compiled;
  }
  const compiled = compileFunction.call(vm, code, params, { ...options, produceCachedData: true });
  if (compiled.cachedDataProduced && compiled.cachedData) codeCache.set(filename, { hash, data: compiled.cachedData });
  return compiled;
};

module.exports = require(JEST_RUNTIME);
