import { cloudFormationClient } from '../clients';
import { readSettings } from '../settings';
import type { DeleteStackEvent } from '../state';
import { deleteStack } from '../tasks/stack-operations';
import { taskHandler } from './task-handler';

export const handler = taskHandler(
  'deleteStack',
  (event: DeleteStackEvent) => ({ stackName: event.stack.stackName }),
  (event) => deleteStack(cloudFormationClient(), readSettings(), event),
);
