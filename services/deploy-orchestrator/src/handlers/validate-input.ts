import { readSettings } from '../settings';
import type { ValidateInputEvent } from '../state';
import { validateInput } from '../tasks/validate-input';
import { taskHandler } from './task-handler';

export const handler = taskHandler(
  'validateInput',
  (event: ValidateInputEvent) => ({ executionName: event.executionName }),
  (event) => validateInput(event, readSettings()),
);
