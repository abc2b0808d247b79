import { createLogger as createEdgeLogger } from '@glue-cd/lambda-edge';
import type { Logger } from '@aws-lambda-powertools/logger';

/** The edge's redacting logger for the orchestrator (credentials never logged, even inside SDK errors). */
export const createLogger = (): Logger => createEdgeLogger({ serviceName: 'glue-cd-deploy-orchestrator' }).logger;

/** One logger per container; each task appends task, stackName, changeSetName and executionName. */
export const logger = createLogger();
