import { remainingTimeMs } from '@glue-cd/lambda-edge';
import { awsClients } from '../clients';
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
    return emptyStackBuckets(cloudFormation, s3, event, {
      remainingTimeMs: remainingTimeMs(context, DEFAULT_REMAINING_MS),
    });
  },
);
