import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createFaultInjector, parseFaultPlan, type FaultRule } from './faults';
import type { GlueJobEngine } from './glue';
import { startLocalCloud, type LocalCloud } from './server';

export const DEFAULT_PORT = 4566;
export const DEFAULT_STATE_DIR = '.local-cloud';

export const CLOUD_USAGE = `pnpm cloud [-- options]   the local cloud as a long-running process (Ctrl-C stops it)
  --port N          port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 picks a free one)
  --state-dir DIR   where everything persists (default ${DEFAULT_STATE_DIR}, relative to the repository)
  --wait-scale X    Step Functions Wait/Retry seconds are multiplied by X (default 0.01)
  --quiet           no request log
  --faults FILE     inject the faults of a JSON plan ({"rules": [...]}, docs/faults.md); a \`kill\` SIGKILLs this process
  --help            this text`;

export interface CloudCliSettings {
  port: number;
  stateDir: string;
  waitScale?: number;
  quiet: boolean;
  /** The fault plan of --faults, read and validated. */
  faults?: { file: string; rules: FaultRule[]; seed?: number };
}

/** A command line the CLI refuses (exit code 2); the message names the flag. */
export class CloudUsageError extends Error {
  override readonly name = 'CloudUsageError';
}

/** The CLI's flags, validated; `undefined` means --help. */
export const parseCloudArgs = (argv: readonly string[], baseDir: string): CloudCliSettings | undefined => {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv.filter((arg) => arg !== '--'),
      options: {
        port: { type: 'string' },
        'state-dir': { type: 'string' },
        'wait-scale': { type: 'string' },
        quiet: { type: 'boolean', default: false },
        faults: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CloudUsageError((error as Error).message);
  }
  if (values.help) return undefined;
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || values.port?.trim() === '') {
    throw new CloudUsageError(`--port must be a whole number from 0 to 65535, got "${values.port}"`);
  }
  const waitScale = values['wait-scale'] === undefined ? undefined : Number(values['wait-scale']);
  if (waitScale !== undefined && !(waitScale >= 0)) {
    throw new CloudUsageError(`--wait-scale must be a number of 0 or more, got "${values['wait-scale']}"`);
  }
  if (values['state-dir'] === '') throw new CloudUsageError('--state-dir must not be empty');
  let faults: CloudCliSettings['faults'];
  if (values.faults !== undefined) {
    const file = path.resolve(baseDir, values.faults);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CloudUsageError(`--faults: cannot read ${file}: ${(error as Error).message}`);
    }
    try {
      faults = { file, ...parseFaultPlan(text, file) };
    } catch (error) {
      throw new CloudUsageError(`--faults: ${(error as Error).message}`);
    }
  }
  return {
    ...(faults ? { faults } : {}),
    port,
    stateDir: path.resolve(baseDir, values['state-dir'] ?? DEFAULT_STATE_DIR),
    ...(waitScale === undefined ? {} : { waitScale }),
    quiet: values.quiet,
  };
};

/** The lines to paste into a shell so the AWS CLI, the SDKs and `sls invoke local` talk to the cloud. */
export const environmentLines = (cloud: Pick<LocalCloud, 'environment'>): string[] =>
  Object.entries(cloud.environment()).map(([name, value]) => `export ${name}=${value}`);

export interface CloudCliIo {
  out(line: string): void;
  err(line: string): void;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  stopRequested(): Promise<string>;
}

const processIo = (): CloudCliIo => ({
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  stopRequested: () =>
    new Promise((resolve) => {
      const stop = (signal: NodeJS.Signals): void => {
        // A second signal while stopping gives up waiting.
        process.once(signal, () => process.exit(130));
        resolve(signal);
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    }),
});

/**
 * `pnpm cloud`: starts every local service on one port, prints how to reach it, and runs until SIGINT/SIGTERM, when
 * running crawls, job runs, queries and executions are ended and their state written before the process exits 0.
 * Exit codes: 0 stopped cleanly (or --help), 1 could not start (port in use …), 2 bad command line.
 */
export const runCloudCli = async (
  argv: readonly string[],
  options: { baseDir: string; jobEngines?: readonly GlueJobEngine[]; io?: CloudCliIo },
): Promise<number> => {
  const io = options.io ?? processIo();
  let settings: CloudCliSettings | undefined;
  try {
    settings = parseCloudArgs(argv, options.baseDir);
  } catch (error) {
    io.err(`pnpm cloud: ${(error as Error).message}`);
    io.err(CLOUD_USAGE);
    return 2;
  }
  if (!settings) {
    io.out(CLOUD_USAGE);
    return 0;
  }
  let cloud: LocalCloud;
  try {
    cloud = await startLocalCloud({
      stateDir: settings.stateDir,
      port: settings.port,
      jobEngines: options.jobEngines ?? [],
      ...(settings.waitScale === undefined ? {} : { waitScale: settings.waitScale }),
      ...(settings.quiet ? {} : { log: io.out }),
      // A `kill` fault SIGKILLs this very process (the injector's default), as `kill -9` would.
      ...(settings.faults
        ? {
            faults: createFaultInjector({
              rules: settings.faults.rules,
              ...(settings.faults.seed === undefined ? {} : { seed: settings.faults.seed }),
            }),
          }
        : {}),
    });
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? `port ${settings.port} is in use (another local cloud? pick one with --port)`
        : (error as Error).message;
    io.err(`pnpm cloud: could not start: ${reason}`);
    return 1;
  }
  const engines = (options.jobEngines ?? []).map((engine) => `${engine.name} for ${String(engine.script)}`);
  io.out(
    [
      `Local cloud on ${cloud.endpoint} (region us-east-1, account 000000000000, state in ${cloud.stateDir})`,
      `Serving: ${cloud.services().join(', ')}`,
      `Glue job engines: ${engines.join('; ') || 'none (every job run fails, naming its script)'}`,
      ...(settings.faults
        ? [`Fault injection: ${settings.faults.rules.length} rule(s) from ${settings.faults.file}`]
        : []),
      '',
      'Point the AWS CLI, the SDKs and `sls invoke local` at it:',
      ...environmentLines(cloud).map((line) => `  ${line}`),
      `  (AWS CLI v2 before 2.13 and v1 before 1.29 ignore AWS_ENDPOINT_URL: pass --endpoint-url ${cloud.endpoint})`,
      '',
      'Ctrl-C stops it.',
    ].join('\n'),
  );
  const signal = await io.stopRequested();
  io.out(`${signal}: stopping (ending running crawls, job runs, queries and executions)…`);
  await cloud.close();
  io.out(`Local cloud stopped; state kept in ${cloud.stateDir}`);
  return 0;
};
