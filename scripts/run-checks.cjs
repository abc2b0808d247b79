#!/usr/bin/env node
// Runs the given package scripts (`pnpm test`'s checks: typecheck, lint, format:check, deps:check) side by side, as
// many at a time as there are cores: each is one single-threaded process, so in turn they leave cores idle. Each
// script's output is printed whole when it ends, with its time; the exit code is 1 when any of them failed.
const { spawn } = require('node:child_process');
const os = require('node:os');
const { Buffer } = require('node:buffer');

const scripts = process.argv.slice(2);
if (scripts.length === 0) {
  console.error('usage: run-checks.cjs <package script>...');
  process.exit(2);
}
const parallel = Math.max(
  1,
  Math.min(scripts.length, Number(process.env.CHECKS_PARALLEL) || os.availableParallelism()),
);

const run = (script) =>
  new Promise((resolve) => {
    const began = Date.now();
    const child = spawn('pnpm', ['run', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    const finish = (code) => {
      const seconds = ((Date.now() - began) / 1000).toFixed(1);
      const text = Buffer.concat(output).toString().trimEnd();
      process.stdout.write(`${code === 0 ? '✔' : '✘'} ${script} (${seconds} s${code === 0 ? '' : `, exit ${code}`})\n`);
      if (text) process.stdout.write(`${text}\n`);
      resolve(code === 0);
    };
    child.on('error', (error) => {
      output.push(Buffer.from(String(error)));
      finish(127);
    });
    child.on('close', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });

(async () => {
  const queue = [...scripts];
  const results = [];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let script = queue.shift(); script !== undefined; script = queue.shift()) results.push(await run(script));
    }),
  );
  process.exit(results.every(Boolean) ? 0 : 1);
})();
