#!/usr/bin/env node
// Runs the given package scripts (`pnpm checks`: typecheck, lint, format:check, deps:check) side by side, as
// many at a time as there are cores: each is one single-threaded process, so in turn they leave cores idle. Each
// script's output is printed whole when it ends, with its time; the exit code is 1 when any of them failed.
// `--beside <script>` (`pnpm test`: the tests) runs that script at once, its output streamed, and the checks beside it
// at a lower CPU priority: they take the cores the tests leave idle (the tests wait on child processes, the local
// cloud's runtimes), instead of the tests waiting for them; then one line sums up every result. Beside the tests every
// core is busy, so a check that is one tool of node_modules (tsc, eslint, prettier) runs in node with V8 single-threaded
// (`--single-threaded`): its compilation and GC on the main thread, not on helper threads that only compete for the
// same cores, ~10 CPU-s less for the three (alternated runs on 2 cores; a few seconds longer each, which the tests hide).
const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Buffer } = require('node:buffer');

const ROOT = path.resolve(__dirname, '..');

const argv = process.argv.slice(2);
const besideAt = argv.indexOf('--beside');
const beside = besideAt >= 0 ? argv[besideAt + 1] : undefined;
const scripts = besideAt >= 0 ? argv.filter((_, index) => index !== besideAt && index !== besideAt + 1) : argv;
if (scripts.length === 0 || (besideAt >= 0 && !beside)) {
  console.error('usage: run-checks.cjs [--beside <package script>] <package script>...');
  process.exit(2);
}
const parallel = Math.max(
  1,
  Math.min(scripts.length, Number(process.env.CHECKS_PARALLEL) || os.availableParallelism()),
);
// Niceness of the checks while the tests run (0 = as the tests; 19 = only what nothing else wants).
const BESIDE_NICENESS = 10;

const seconds = (began) => ((Date.now() - began) / 1000).toFixed(1);
const mark = (code) => (code === 0 ? '✔' : '✘');

/**
 * The node arguments that run a package script directly, when the script is one binary of a root devDependency with
 * plain arguments (no shell syntax); undefined otherwise (it runs through pnpm).
 */
const toolArguments = (script) => {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const command = manifest.scripts?.[script];
  if (typeof command !== 'string' || !/^[\w\s./:=@-]+$/.test(command)) return undefined;
  const [binary, ...args] = command.trim().split(/\s+/);
  for (const name of Object.keys(manifest.devDependencies ?? {})) {
    let tool;
    try {
      tool = JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    const bins = typeof tool.bin === 'string' ? { [name.split('/').pop()]: tool.bin } : (tool.bin ?? {});
    if (typeof bins[binary] === 'string') return [path.join(ROOT, 'node_modules', name, bins[binary]), ...args];
  }
  return undefined;
};

/** Resolves to the script's exit code, after printing its output whole. */
const run = (script, niceness) =>
  new Promise((resolve) => {
    const began = Date.now();
    const tool = niceness ? toolArguments(script) : undefined;
    const child = tool
      ? spawn(process.execPath, ['--single-threaded', ...tool], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('pnpm', ['run', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    if (niceness && child.pid) {
      try {
        os.setPriority(child.pid, niceness);
      } catch {
        // Not allowed here: the check runs at the tests' priority, which only costs time.
      }
    }
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    const finish = (code) => {
      const text = Buffer.concat(output).toString().trimEnd();
      process.stdout.write(`${mark(code)} ${script} (${seconds(began)} s${code === 0 ? '' : `, exit ${code}`})\n`);
      if (text) process.stdout.write(`${text}\n`);
      resolve(code);
    };
    child.on('error', (error) => {
      output.push(Buffer.from(String(error)));
      finish(127);
    });
    child.on('close', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });

/** The script the checks run beside, its output streamed as it comes. */
const stream = (script) =>
  new Promise((resolve) => {
    const child = spawn('pnpm', ['run', script], { stdio: 'inherit' });
    child.on('error', () => resolve(127));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });

(async () => {
  const began = Date.now();
  const queue = [...scripts];
  const results = [];
  const checks = Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let script = queue.shift(); script !== undefined; script = queue.shift()) {
        const code = await run(script, beside ? BESIDE_NICENESS : 0);
        results.push({ script, code, seconds: seconds(began) });
      }
    }),
  );
  const besideCode = beside ? await stream(beside) : 0;
  await checks;
  if (beside) {
    const done = results.map(({ script, code, seconds: at }) => `${mark(code)} ${script} (done at ${at} s)`);
    process.stdout.write(`checks beside ${beside}: ${done.join(', ')}; ${mark(besideCode)} ${beside}\n`);
  }
  process.exit(besideCode === 0 && results.every(({ code }) => code === 0) ? 0 : 1);
})();
