import { cloudFormationClient } from '../clients';
import type { ChangeSetEvent } from '../state';
import { deleteChangeSet } from '../tasks/change-sets';
import { taskHandler } from './task-handler';

export const handler = taskHandler(
  'deleteChangeSet',
  (event: ChangeSetEvent) => ({ stackName: event.changeSet.stackName, changeSetName: event.changeSet.changeSetName }),
  (event) => deleteChangeSet(cloudFormationClient(), event),
);
