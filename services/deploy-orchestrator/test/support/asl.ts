import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const ASL_PATH = path.resolve(__dirname, '../../../../state-machines/deploy.asl.yaml');

export interface LoadedDefinition {
  /** The ASL with every `Fn::GetAtt: [fn, Arn]` replaced by a fake Lambda ARN. */
  definition: Record<string, unknown> & { States: Record<string, Record<string, unknown>> };
  /** Task state name → serverless function name. */
  functionOfState: Record<string, string>;
}

const fakeArn = (fn: string): string =>
  `arn:aws:lambda:us-east-1:123456789012:function:glue-cd-deploy-orchestrator-test-${fn}`;

/** Reads deploy.asl.yaml as the tests and the local cloud run it. */
export const loadDeployDefinition = (): LoadedDefinition => {
  const raw = parse(readFileSync(ASL_PATH, 'utf8')) as LoadedDefinition['definition'];
  const functionOfState: Record<string, string> = {};
  for (const [name, state] of Object.entries(raw.States)) {
    const resource = state.Resource as { 'Fn::GetAtt'?: [string, string] } | undefined;
    const getAtt = resource?.['Fn::GetAtt'];
    if (getAtt !== undefined) {
      functionOfState[name] = getAtt[0];
      state.Resource = fakeArn(getAtt[0]);
    }
  }
  return { definition: raw, functionOfState };
};
