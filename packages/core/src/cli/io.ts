import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';

/** What a glue-cd command may touch: the terminal, files, the clock and the AWS SDK (bin/glue-cd.cjs wires them). */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Reads a file named on the command line, relative to where the user typed the command. */
  readFile(file: string): string;
  readStdin(): string;
  /** A CloudFormation client from the SDK's default chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL …). */
  cloudFormation(config: { region?: string; profile?: string }): CloudFormationClient;
  sleep(ms: number): Promise<void>;
}
