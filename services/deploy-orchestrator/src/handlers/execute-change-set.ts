import { cloudFormationClient } from '../clients';
import type { ChangeSetEvent } from '../state';
import { executeChangeSet } from '../tasks/change-sets';
import { taskHandler } from './task-handler';

export const handler = taskHandler(
  'executeChangeSet',
  (event: ChangeSetEvent) => ({ stackName: event.changeSet.stackName, changeSetName: event.changeSet.changeSetName }),
  (event) => executeChangeSet(cloudFormationClient(), event),
);
