#!/usr/bin/env node
// glue-cd CLI: runs the TypeScript sources directly. esbuild strips the types file by file (isolatedModules makes
// that safe; `pnpm typecheck` checks them), kept by content hash so a rerun starts no compiler (scripts/register-ts.cjs).
const path = require('node:path');
require(path.join(__dirname, '..', '..', '..', 'scripts', 'register-ts.cjs'));

const { runGlueCd, processIo } = require('../src/cli/main.ts');

// Under `pnpm glue-cd` the script runs at the repo root; INIT_CWD is where the user typed the command.
const cwd = process.env.INIT_CWD ?? process.cwd();
runGlueCd(process.argv.slice(2), processIo(cwd)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    // A bug, not bad input: the stack trace is what a report needs.
    process.stderr.write(`glue-cd: internal error: ${error && error.stack ? error.stack : String(error)}\n`);
    process.exitCode = 70;
  },
);
