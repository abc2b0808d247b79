import { remainingTimeMs } from '@glue-cd/lambda-edge';
import { awsClients } from '../clients';
import { readSettings } from '../settings';
import type { PollChangeSetEvent } from '../state';
import { pollChangeSet } from '../tasks/change-sets';
import { taskHandler } from './task-handler';

const DEFAULT_REMAINING_MS = 60_000;

export const handler = taskHandler(
  'pollChangeSet',
  (event: PollChangeSetEvent) => ({
    stackName: event.changeSet.stackName,
    changeSetName: event.changeSet.changeSetName,
    executionName: event.executionName,
  }),
  (event, context) => {
    const { cloudFormation, s3 } = awsClients();
    // Without a Lambda context (sls invoke local), assume the configured 60 s timeout.
    const remaining = remainingTimeMs(context, DEFAULT_REMAINING_MS);
    return pollChangeSet(cloudFormation, s3, readSettings(), event, { remainingTimeMs: remaining });
  },
);
