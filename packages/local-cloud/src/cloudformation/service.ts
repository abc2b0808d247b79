import type { ServiceHandler } from '../contracts';
import { CloudFormationEngine, type CloudFormationServiceDeps } from './engine';
import { createQueryHandler } from './protocol';

/** The local CloudFormation: its engine, and the AWS Query handler the local cloud's router sends `cloudformation` requests to. */
export const createCloudFormationService = (
  deps: CloudFormationServiceDeps,
): { handle: ServiceHandler; engine: CloudFormationEngine } => {
  const engine = new CloudFormationEngine(deps);
  return { handle: createQueryHandler(engine), engine };
};
