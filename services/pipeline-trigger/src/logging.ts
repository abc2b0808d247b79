import { createLogger, type EdgeLogger, type LogLevel } from '@glue-cd/lambda-edge';

// The redaction rules and the Redactor live in the edge, shared with the orchestrator.
export { REDACTED, Redactor } from '@glue-cd/lambda-edge';

/** The trigger's logger (the edge's redacting logger) and the redactor behind it. */
export const createTriggerLogger = (options: { logLevel?: LogLevel } = {}): EdgeLogger =>
  createLogger({
    serviceName: 'glue-cd-pipeline-trigger',
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
