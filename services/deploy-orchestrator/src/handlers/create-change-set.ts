import { cloudFormationClient } from '../clients';
import { readSettings } from '../settings';
import type { CreateChangeSetEvent } from '../state';
import { createChangeSet } from '../tasks/change-sets';
import { taskHandler } from './task-handler';

export const handler = taskHandler(
  'createChangeSet',
  (event: CreateChangeSetEvent) => ({ stackName: event.input.stackName, executionName: event.executionName }),
  (event) => createChangeSet(cloudFormationClient(), readSettings(), event),
);
