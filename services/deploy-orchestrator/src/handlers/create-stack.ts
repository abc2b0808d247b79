import { cloudFormationClient } from '../clients';
import { readSettings } from '../settings';
import type { CreateStackEvent } from '../state';
import { createStack } from '../tasks/stack-operations';
import { taskHandler } from './task-handler';

export const handler = taskHandler(
  'createStack',
  (event: CreateStackEvent) => ({ stackName: event.input.stackName, executionName: event.executionName }),
  (event) => createStack(cloudFormationClient(), readSettings(), event),
);
