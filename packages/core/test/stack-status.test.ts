import { StackStatus } from '@aws-sdk/client-cloudformation';
import { classifyStackStatus, KNOWN_STACK_STATUSES, operationOutcome } from '../src';

describe('classifyStackStatus', () => {
  test.each([
    [undefined, 'not-found'],
    ['DELETE_COMPLETE', 'not-found'],
    ['REVIEW_IN_PROGRESS', 'review'],
    ['CREATE_IN_PROGRESS', 'in-progress'],
    ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'in-progress'],
    ['CREATE_COMPLETE', 'complete'],
    ['UPDATE_ROLLBACK_COMPLETE', 'complete'],
    ['ROLLBACK_COMPLETE', 'rollback-complete'],
    ['UPDATE_ROLLBACK_FAILED', 'failed'],
    ['DELETE_FAILED', 'failed'],
  ] as const)('%p is %p', (status, phase) => {
    expect(classifyStackStatus(status)).toBe(phase);
  });

  test('knows every stack status of the CloudFormation API, and no others', () => {
    expect([...KNOWN_STACK_STATUSES].sort()).toEqual(Object.values(StackStatus).sort());
  });

  test('refuses to guess an unknown status', () => {
    expect(() => classifyStackStatus('MAYBE_COMPLETE')).toThrow(/unknown CloudFormation stack status: MAYBE_COMPLETE/);
  });
});

describe('operationOutcome', () => {
  test.each([
    ['create', 'CREATE_IN_PROGRESS', 'waiting'],
    ['create', 'CREATE_COMPLETE', 'succeeded'],
    ['create', 'ROLLBACK_IN_PROGRESS', 'waiting'],
    ['create', 'ROLLBACK_COMPLETE', 'failed'],
    ['update', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'waiting'],
    ['update', 'UPDATE_COMPLETE', 'succeeded'],
    ['update', 'UPDATE_ROLLBACK_COMPLETE', 'failed'],
    ['update', 'UPDATE_ROLLBACK_FAILED', 'failed'],
    ['delete', 'DELETE_IN_PROGRESS', 'waiting'],
    ['delete', undefined, 'succeeded'],
    ['delete', 'DELETE_COMPLETE', 'succeeded'],
    ['delete', 'DELETE_FAILED', 'failed'],
  ] as const)('%s then %p → %p', (operation, status, outcome) => {
    expect(operationOutcome(operation, status)).toBe(outcome);
  });
});
