import { cloudFormationClient } from '../clients';
import type { FinishEvent } from '../state';
import { finish } from '../tasks/finish';
import { taskHandler } from './task-handler';

export const handler = taskHandler(
  'finish',
  (event: FinishEvent) => ({ stackName: event.deploy.input.stackName, executionName: event.deploy.executionName }),
  (event) => finish(cloudFormationClient(), event),
);
