import { cloudFormationClient } from '../clients';
import type { CheckStackEvent } from '../state';
import { checkStack } from '../tasks/check-stack';
import { taskHandler } from './task-handler';

export const handler = taskHandler(
  'checkStack',
  (event: CheckStackEvent) => ({ stackName: event.input.stackName }),
  (event) => checkStack(cloudFormationClient(), event),
);
