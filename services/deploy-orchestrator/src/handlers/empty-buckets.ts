import { remainingTimeMs } from '@glue-cd/lambda-edge';
import { awsClients, s3Sdk } from '../clients';
import type { EmptyBucketsEvent } from '../state';
import { emptyStackBuckets } from '../tasks/empty-buckets';
import { taskHandler } from './task-handler';

// Without a Lambda context (sls invoke local without one), assume the configured 15-minute timeout.
const DEFAULT_REMAINING_MS = 15 * 60 * 1000;

export const handler = taskHandler(
  'emptyBuckets',
  (event: EmptyBucketsEvent) => ({ stackName: event.stack.stackName }),
  (event, context) => {
    const { cloudFormation, s3 } = awsClients();
    // A stack's buckets need S3 next: its SDK (a lazy chunk) loads while the first CloudFormation request is in flight
    // (a chunk that fails to load fails the first S3 request instead, with the task's error handling).
    setImmediate(() => {
      try {
        s3Sdk();
      } catch {
        // reported by the first S3 request
      }
    });
    return emptyStackBuckets(cloudFormation, s3, event, {
      remainingTimeMs: remainingTimeMs(context, DEFAULT_REMAINING_MS),
    });
  },
);
