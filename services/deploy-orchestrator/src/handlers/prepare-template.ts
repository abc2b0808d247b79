import { lazyS3Client } from '../clients';
import { readSettings } from '../settings';
import type { PrepareTemplateEvent } from '../state';
import { prepareTemplate } from '../tasks/prepare-template';
import { taskHandler } from './task-handler';

export const handler = taskHandler(
  'prepareTemplate',
  (event: PrepareTemplateEvent) => ({ stackName: event.input.stackName, executionName: event.executionName }),
  (event) => prepareTemplate(lazyS3Client, readSettings(), event),
);
