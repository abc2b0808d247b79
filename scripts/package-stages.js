// `sls package` of one service for several stages side by side, for the Build (buildspecs/build.yml):
//   node scripts/package-stages.js <service folder> <stage>...   →   packaged/<stage>/<service folder name>/
// sls stages every packaging in <service>/.serverless (even with --package), so two packagings of one folder at once
// would overwrite each other: the first stage packages in the folder, each other one in a sibling copy of it (same
// depth, so `../../config` and the node_modules links resolve alike), removed afterwards. Each stage's exit code,
// time and output are printed in stage order; the script fails when any stage failed, naming it.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const USAGE = 'usage: node scripts/package-stages.js <service folder> <stage>...';
const STAGE = /^[A-Za-z0-9-]+$/;

/** The packagings the arguments ask for, or an error naming what is wrong with them. */
const parseArguments = (args, cwd) => {
  const [service, ...stages] = args;
  if (!service || stages.length === 0) throw new Error(`a service folder and at least one stage are needed\n${USAGE}`);
  const serviceDir = path.resolve(cwd, service);
  if (!fs.existsSync(path.join(serviceDir, 'serverless.yml')))
    throw new Error(`${service} has no serverless.yml\n${USAGE}`);
  const bad = stages.find((stage) => !STAGE.test(stage));
  if (bad !== undefined) throw new Error(`stage ${JSON.stringify(bad)} is not a stage name (letters, digits, -)`);
  const twice = stages.find((stage, i) => stages.indexOf(stage) !== i);
  if (twice !== undefined) throw new Error(`stage ${twice} is given twice`);
  const name = path.basename(serviceDir);
  return {
    service,
    serviceDir,
    stages: stages.map((stage) => ({ stage, outDir: path.join(cwd, 'packaged', stage, name) })),
  };
};

/** A sibling copy of the service folder (its links kept as they are, no earlier staging) for one more packaging. */
const siblingCopy = (serviceDir, stage) => {
  const copy = fs.mkdtempSync(path.join(path.dirname(serviceDir), `.${path.basename(serviceDir)}-${stage}-`));
  fs.cpSync(serviceDir, copy, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (source) => !['.serverless', '.esbuild'].includes(path.basename(source)),
  });
  return copy;
};

/** One `sls package --stage <stage> --package <outDir>` in `cwd`, with osls's own entry point (no npx). */
const slsPackage = (cwd, stage, outDir, children) =>
  new Promise((resolve) => {
    const began = Date.now();
    const sls = require.resolve('osls/bin/serverless.js', { paths: [cwd] });
    // Preloads the V8 code cache of this checkout's tool processes (scripts/code-cache.cjs): no output changes.
    const codeCache = path.join(__dirname, 'code-cache.cjs');
    const child = spawn(
      process.execPath,
      ['--require', codeCache, sls, 'package', '--stage', stage, '--package', outDir],
      {
        cwd,
        env: process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.add(child);
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => (output += `${error.message}\n`));
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ stage, exitCode: code ?? 1, signal, output, seconds: (Date.now() - began) / 1000 });
    });
  });

const main = async () => {
  const { service, serviceDir, stages } = parseArguments(process.argv.slice(2), process.cwd());
  const copies = [];
  const children = new Set();
  const cleanUp = () => {
    for (const child of children) child.kill('SIGTERM');
    for (const copy of copies) fs.rmSync(copy, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.once(signal, () => {
      cleanUp();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  try {
    const results = await Promise.all(
      stages.map(({ stage, outDir }, i) => {
        const dir = i === 0 ? serviceDir : siblingCopy(serviceDir, stage);
        if (dir !== serviceDir) copies.push(dir);
        return slsPackage(dir, stage, outDir, children);
      }),
    );
    for (const { stage, exitCode, signal, output, seconds } of results) {
      const out = path.relative(process.cwd(), stages.find((s) => s.stage === stage).outDir);
      const ended = signal ? `signal ${signal}` : `exit ${exitCode}`;
      process.stdout.write(
        `--- sls package --stage ${stage} (${service} → ${out}): ${ended}, ${seconds.toFixed(1)} s\n`,
      );
      process.stdout.write(output.endsWith('\n') || output === '' ? output : `${output}\n`);
    }
    const failed = results.filter((r) => r.exitCode !== 0 || r.signal);
    if (failed.length > 0) {
      process.stderr.write(
        `package-stages: ${service} failed to package for ${failed.map((r) => r.stage).join(', ')}\n`,
      );
      process.exitCode = 1;
    }
  } finally {
    cleanUp();
  }
};

module.exports = { parseArguments };

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`package-stages: ${error.message}\n`);
    process.exitCode = 2;
  });
}
