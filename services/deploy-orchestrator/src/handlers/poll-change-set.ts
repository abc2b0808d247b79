import { cloudFormationClient } from '../clients';
import type { PollChangeSetEvent } from '../state';
import { pollChangeSet } from '../tasks/change-sets';
import { taskHandler } from './task-handler';

export const handler = taskHandler(
  'pollChangeSet',
  (event: PollChangeSetEvent) => ({
    stackName: event.changeSet.stackName,
    changeSetName: event.changeSet.changeSetName,
  }),
  (event) => pollChangeSet(cloudFormationClient(), event),
);
