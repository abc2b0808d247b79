import { cloudFormationClient } from '../clients';
import type { PollStackOperationEvent } from '../state';
import { pollStackOperation } from '../tasks/stack-operations';
import { taskHandler } from './task-handler';

export const handler = taskHandler(
  'pollStackOperation',
  (event: PollStackOperationEvent) => ({ stackName: event.operation.stackName }),
  (event) => pollStackOperation(cloudFormationClient(), event),
);
