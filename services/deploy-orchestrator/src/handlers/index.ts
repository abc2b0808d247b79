// Every task Lambda by its function name: the task table (../../tasks.js) declares each once; test/tasks.test.ts
// checks this map, the handler files and deploy.asl.yaml's Fn::GetAtt names against it.
import { handler as checkStack } from './check-stack';
import { handler as createChangeSet } from './create-change-set';
import { handler as createStack } from './create-stack';
import { handler as deleteChangeSet } from './delete-change-set';
import { handler as deleteStack } from './delete-stack';
import { handler as emptyBuckets } from './empty-buckets';
import { handler as executeChangeSet } from './execute-change-set';
import { handler as finish } from './finish';
import { handler as pollChangeSet } from './poll-change-set';
import { handler as pollStackOperation } from './poll-stack-operation';
import { handler as prepareTemplate } from './prepare-template';
import { handler as refuseChangeSet } from './refuse-change-set';
import { handler as validateInput } from './validate-input';

export const taskHandlers = {
  validateInput,
  checkStack,
  prepareTemplate,
  createStack,
  createChangeSet,
  pollChangeSet,
  executeChangeSet,
  deleteChangeSet,
  refuseChangeSet,
  pollStackOperation,
  emptyBuckets,
  deleteStack,
  finish,
} as const;

export type TaskFunctionName = keyof typeof taskHandlers;
