#!/usr/bin/env node
// Runs a TypeScript entry point without a build step (scripts/register-ts.cjs).
const path = require('node:path');
require('./register-ts.cjs');

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts.cjs <entry.ts> [args...]');
  process.exit(2);
}

require('./promise-with-resolvers.ts');
// The real path: entries compare argv[1] with __filename, which node gives as the real path (a symlinked checkout).
const file = require('node:fs').realpathSync(path.resolve(entry));
process.argv = [process.argv[0], file, ...args];
require(file);
