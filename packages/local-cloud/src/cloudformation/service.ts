import * as cloudFormationModel from '@aws-sdk/client-cloudformation';
import type { ServiceHandler } from '../contracts';
import type { Operation } from '../protocols/call';
import { createQueryService } from '../protocols/query';
import { ACTIONS } from './api';
import type { CloudFormationServiceDeps } from './deps';
import { CloudFormationEngine } from './engine';

export const CLOUDFORMATION_XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

/** The local CloudFormation: its engine, and the AWS Query front end the local cloud's router sends `cloudformation` requests to. */
export const createCloudFormationService = (
  deps: CloudFormationServiceDeps,
): { handle: ServiceHandler; engine: CloudFormationEngine } => {
  const engine = new CloudFormationEngine(deps);
  const operations: Record<string, Operation> = Object.fromEntries(
    Object.entries(ACTIONS).map(([name, action]) => [
      name,
      (input) => engine.answering<unknown>(() => action(engine.api, input as never)),
    ]),
  );
  const handle = createQueryService({
    serviceName: 'CloudFormation',
    xmlns: CLOUDFORMATION_XMLNS,
    model: cloudFormationModel,
    operations,
    ...(deps.log ? { log: deps.log } : {}),
  });
  return { handle, engine };
};
