#!/usr/bin/env node
// Runs a TypeScript entry point without a build step: ts-node in transpile-only mode (tsc checks types).
require('ts-node').register({
  transpileOnly: true,
  project: require('node:path').join(__dirname, '..', 'tsconfig.json'),
});
require('./promise-with-resolvers.ts');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts.cjs <entry.ts> [args...]');
  process.exit(2);
}
process.argv = [process.argv[0], require('node:path').resolve(entry), ...args];
require(require('node:path').resolve(entry));
