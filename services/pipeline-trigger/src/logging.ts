import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

export const REDACTED = '[REDACTED]';

// Members that hold credentials or tokens wherever they appear (SDK errors carry some: S3's AWSAccessKeyId).
const SECRET_KEY =
  /^(aws)?accesskeyid$|secretaccesskey|sessiontoken|continuationtoken|secretstring|secretbinary|^(artifact)?credentials$|password|signature|stringtosign|canonicalrequest/i;
// Access key ids (long-term AKIA…, temporary ASIA…) and S3 error XML that echoes one.
const SECRET_TEXT = [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, /(<AWSAccessKeyId>)[^<]*(<\/AWSAccessKeyId>)/g];
// Shorter values are not worth redacting (and would mangle ordinary words).
const MIN_REMEMBERED = 8;

/**
 * Removes secrets from what the trigger logs or reports: known values of the current invocation (artifact
 * credentials, tokens, keys), credential-like members anywhere, access key ids in text.
 */
export class Redactor {
  private readonly values = new Set<string>();

  remember(...values: (string | Uint8Array | undefined)[]): void {
    for (const value of values) {
      const text = value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value;
      if (text && text.length >= MIN_REMEMBERED) this.values.add(text);
    }
  }

  forget(): void {
    this.values.clear();
  }

  text(value: string): string {
    let out = value;
    for (const secret of this.values) out = out.split(secret).join(REDACTED);
    out = out.replace(SECRET_TEXT[0]!, REDACTED).replace(SECRET_TEXT[1]!, `$1${REDACTED}$2`);
    return out;
  }

  value(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.text(value);
    if (typeof value !== 'object' || value === null || depth > 8) return value;
    if (Array.isArray(value)) return value.map((item) => this.value(item, depth + 1));
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, SECRET_KEY.test(key) ? REDACTED : this.value(item, depth + 1)]),
    );
  }
}

/** The standard Powertools keys (with the Lambda context), every attribute passed through the redactor last. */
export class RedactingLogFormatter extends LogFormatter {
  constructor(private readonly redactor: Redactor) {
    super();
  }

  override formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: attributes.message,
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: context?.coldStart,
      function_arn: context?.invokedFunctionArn,
      function_memory_size: context?.memoryLimitInMB,
      function_name: context?.functionName,
      function_request_id: context?.awsRequestId,
      xray_trace_id: attributes.xRayTraceId,
    };
    return new LogItem({ attributes: this.redactor.value({ ...base, ...additionalLogAttributes }) as LogAttributes });
  }
}

/** The trigger's logger and the redactor behind it. */
export const createTriggerLogger = (options: { logLevel?: 'DEBUG' | 'INFO' | 'SILENT' } = {}) => {
  const redactor = new Redactor();
  const logger = new Logger({
    serviceName: 'glue-cd-pipeline-trigger',
    logFormatter: new RedactingLogFormatter(redactor),
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
  return { logger, redactor };
};
