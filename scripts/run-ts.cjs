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
// The real path: entries compare argv[1] with __filename, which node gives as the real path (a symlinked checkout).
const file = require('node:fs').realpathSync(require('node:path').resolve(entry));
process.argv = [process.argv[0], file, ...args];
require(file);
