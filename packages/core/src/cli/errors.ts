/** What the user gave is wrong (a flag, a file, its content): exit status 2, with the message and a usage hint. */
export class CliInputError extends Error {
  override name = 'CliInputError';
}

/** Exit statuses of every glue-cd command. */
export const EXIT = { safe: 0, unsafe: 1, input: 2, incomplete: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
