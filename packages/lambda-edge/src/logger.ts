import { Logger } from '@aws-lambda-powertools/logger';
import { Redactor } from './redaction';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

/**
 * Powertools' Logger whose `setLogLevel` holds across invocations: injectLambdaContext restores the initial level
 * at each one (for its debug sampling), which would undo a level a test or an operator's code set.
 */
export class RedactingLogger extends Logger {
  override setLogLevel(logLevel: LogLevel): void {
    super.setLogLevel(logLevel);
    (this as unknown as { setInitialLogLevel(level: string): void }).setInitialLogLevel(logLevel);
  }
}

export interface EdgeLogger {
  logger: Logger;
  /** The redactor every line passes through; also cleans messages that leave the Lambda by other ways. */
  redactor: Redactor;
}

/**
 * The one redacting logger: Powertools' standard keys (with the Lambda context once `injectLambdaContext` ran), and
 * every member and string of every line through the redactor, errors and their causes included.
 */
export const createLogger = (options: {
  serviceName: string;
  logLevel?: LogLevel;
  redactor?: Redactor;
}): EdgeLogger => {
  const redactor = options.redactor ?? new Redactor();
  const logger = new RedactingLogger({
    serviceName: options.serviceName,
    jsonReplacerFn: redactor.replacer,
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
  return { logger, redactor };
};
