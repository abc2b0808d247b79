import { Logger } from '@aws-lambda-powertools/logger';

/** One logger per container; each task appends stackName, changeSetName and executionName. */
export const logger = new Logger({ serviceName: 'glue-cd-deploy-orchestrator' });
