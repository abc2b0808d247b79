import { cloudFormationClient } from '../clients';
import type { ChangeSetEvent } from '../state';
import { refuseChangeSet } from '../tasks/change-sets';
import { taskHandler } from './task-handler';

export const handler = taskHandler(
  'refuseChangeSet',
  (event: ChangeSetEvent) => ({ stackName: event.changeSet.stackName, changeSetName: event.changeSet.changeSetName }),
  (event) => refuseChangeSet(cloudFormationClient(), event),
);
