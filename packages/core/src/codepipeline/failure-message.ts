// Kept apart from job.ts (and its zod schemas): every Lambda's error mapping needs this, few need the job parsing.

// PutJobFailureResult rejects longer failure messages.
export const CODEPIPELINE_MESSAGE_LIMIT = 5000;

/** Keeps a failure message within CodePipeline's limit, saying how much was cut. */
export const truncateFailureMessage = (message: string, limit = CODEPIPELINE_MESSAGE_LIMIT): string => {
  if (message.length <= limit) return message;
  let keep = limit;
  let marker = '';
  // The marker's length depends on the count it reports; settle both.
  for (let i = 0; i < 3; i += 1) {
    marker = ` … [truncated ${message.length - keep} characters]`;
    keep = Math.max(0, limit - marker.length);
  }
  return `${message.slice(0, keep)}${marker}`.slice(0, limit);
};
