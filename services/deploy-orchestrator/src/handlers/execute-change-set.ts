import { cloudFormationClient } from '../clients';
import type { ExecuteChangeSetEvent } from '../state';
import { executeChangeSet } from '../tasks/change-sets';
import { taskHandler } from './task-handler';

export const handler = taskHandler(
  'executeChangeSet',
  (event: ExecuteChangeSetEvent) => ({
    stackName: event.changeSet.stackName,
    changeSetName: event.changeSet.changeSetName,
  }),
  (event) => executeChangeSet(cloudFormationClient(), event),
);
