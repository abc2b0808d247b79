#!/usr/bin/env node
// glue-cd CLI: runs the TypeScript source directly (esbuild transpile only; `pnpm typecheck` checks the types).
const path = require('node:path');
const { readFileSync } = require('node:fs');
require(path.join(__dirname, '..', '..', '..', 'scripts', 'register-ts.cjs'));
const { runCli } = require('../src/cli/inspect.ts');

// Under `pnpm glue-cd` the script runs at the repo root; INIT_CWD is where the user typed the command.
const cwd = process.env.INIT_CWD ?? process.cwd();
const result = runCli(process.argv.slice(2), (file) => readFileSync(path.resolve(cwd, file), 'utf8'));
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.exitCode;
