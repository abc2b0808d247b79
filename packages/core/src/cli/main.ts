import type * as CloudFormation from '@aws-sdk/client-cloudformation';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CliInputError, EXIT, type ExitCode } from './errors';
import type { CliIo } from './io';
import { runInspect } from './inspect/command';
import { INSPECT_USAGE, parseInspectArgs } from './inspect/options';

export const USAGE = `usage: glue-cd <command> [options]

Commands:
  inspect    judge a CloudFormation change set: deleted or replaced resources, security broadening
             (glue-cd inspect --help)

Options:
  -h, --help print this help
  --version  print the version
`;

const VERSION = (
  JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;

/** Runs one glue-cd command line; never throws: every failure is a message on stderr and an exit code. */
export const runGlueCd = async (argv: string[], io: CliIo): Promise<ExitCode> => {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    io.stdout(rest[0] === 'inspect' ? INSPECT_USAGE : USAGE);
    return EXIT.safe;
  }
  if (command === '--version') {
    io.stdout(`${VERSION}\n`);
    return EXIT.safe;
  }
  if (command !== 'inspect') {
    io.stderr(`glue-cd: ${command === undefined ? 'no command given' : `unknown command "${command}"`}\n\n${USAGE}`);
    return EXIT.input;
  }
  try {
    const parsed = parseInspectArgs(rest);
    if (parsed.kind === 'help') {
      io.stdout(INSPECT_USAGE);
      return EXIT.safe;
    }
    return await runInspect(parsed.options, io);
  } catch (error) {
    if (error instanceof CliInputError) {
      io.stderr(`glue-cd inspect: ${error.message}\n(glue-cd inspect --help prints the usage)\n`);
      return EXIT.input;
    }
    throw error;
  }
};

// The SDK is loaded for a live change set only: inspecting a file does not pay for it.
const cloudFormationSdk = (): typeof CloudFormation => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@aws-sdk/client-cloudformation') as typeof CloudFormation;
};

/** The process's IO: files relative to `cwd`, stdin read whole, SDK clients from the default chain. */
export const processIo = (cwd: string): CliIo => ({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: (file) => readFileSync(path.resolve(cwd, file), 'utf8'),
  readStdin: () => readFileSync(0, 'utf8'),
  cloudFormation: (config) => new (cloudFormationSdk().CloudFormationClient)(config),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
});
