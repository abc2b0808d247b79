/** The local cloud's one log sink: every service writes its lines here (the release prints them, tests collect them). */
export type LogSink = (line: string) => void;

export const silentLog: LogSink = () => undefined;

/** One line, `[scope] message`, with stable fields as JSON when there are any. */
export const logLine = (log: LogSink, scope: string, message: string, fields?: Record<string, unknown>): void =>
  log(`[${scope}] ${message}${fields === undefined ? '' : ` ${JSON.stringify(fields)}`}`);
