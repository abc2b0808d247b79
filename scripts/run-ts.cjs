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
process.argv = [process.argv[0], path.resolve(entry), ...args];
require(path.resolve(entry));
