// CloudFormation fails a change set that changes nothing; the status reason is the only signal.
const EMPTY_CHANGE_SET_REASONS = [
  /The submitted information didn't contain changes/i,
  /No updates are to be performed/i,
];

/** True when a FAILED change set failed only because the template and parameters change nothing. */
export const isEmptyChangeSet = (changeSet: {
  Status?: string | undefined;
  StatusReason?: string | undefined;
}): boolean =>
  changeSet.Status === 'FAILED' &&
  EMPTY_CHANGE_SET_REASONS.some((pattern) => pattern.test(changeSet.StatusReason ?? ''));
