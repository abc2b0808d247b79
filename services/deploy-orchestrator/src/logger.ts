import { Logger } from '@aws-lambda-powertools/logger';
import { redactingReplacer } from './redact';

/** A logger whose every line passes the redacting replacer (credentials never logged, even inside SDK errors). */
export const createLogger = (): Logger =>
  new Logger({ serviceName: 'glue-cd-deploy-orchestrator', jsonReplacerFn: redactingReplacer });

/** One logger per container; each task appends stackName, changeSetName and executionName. */
export const logger = createLogger();
