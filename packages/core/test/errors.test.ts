import * as core from '../src';
import {
  awsErrorKind,
  codePipelineFailureType,
  ConfigurationError,
  ContinuationTokenError,
  GlueCdError,
  isRetryableError,
  NAMED_ERRORS,
  ThrottlingError,
  toTaskError,
  TransientAwsError,
  UnsafeChangeSetError,
} from '../src';

const awsError = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
    ...extra,
  });

describe('named errors carry their policy', () => {
  it('every GlueCdError core exports is in NAMED_ERRORS, once, with its class name as code', () => {
    const exported = Object.values(core).filter(
      (value): value is typeof ConfigurationError =>
        typeof value === 'function' && value.prototype instanceof GlueCdError,
    );
    expect(new Set(exported)).toEqual(new Set(NAMED_ERRORS));
    expect(new Set(NAMED_ERRORS.map((e) => e.policy.code)).size).toBe(NAMED_ERRORS.length);
    for (const error of NAMED_ERRORS) expect(error.policy.code).toBe(error.name);
  });

  it('exposes code, retryable, failureType and cause on the instance', () => {
    const cause = awsError('ValidationError', 400);
    const error = new ConfigurationError('DeployInput.stackName: required', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'ConfigurationError',
      code: 'ConfigurationError',
      retryable: false,
      failureType: 'ConfigurationError',
      cause,
    });
    expect(new ThrottlingError('x')).toMatchObject({ retryable: true, failureType: 'JobFailed' });
  });
});

describe('AWS errors in one table', () => {
  it.each([
    [awsError('Throttling', 400), 'throttling'],
    [awsError('ThrottlingException', 400), 'throttling'],
    [awsError('TooManyRequestsException', 429), 'throttling'],
    [awsError('SlowDown', 503), 'throttling'],
    [awsError('SomethingNew', 400, { $retryable: { throttling: true } }), 'throttling'],
    [awsError('ServiceUnavailable', 503), 'unavailable'],
    [awsError('InternalFailure', 500), 'unavailable'],
    [awsError('AnythingElse', 502), 'unavailable'],
    [awsError('TimeoutError'), 'timeout'],
    [awsError('AbortError'), 'timeout'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'network'],
    [Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }), 'network'],
    [awsError('AccessDenied', 403), 'permission'],
    [awsError('ExpiredToken', 400), 'permission'],
    [awsError('NoSuchKey', 404), 'configuration'],
    [awsError('StateMachineDoesNotExist', 400), 'configuration'],
    [awsError('ValidationError', 400), undefined],
    [new ConfigurationError('x'), undefined],
    ['a string', undefined],
  ])('%p is %p', (error, kind) => {
    expect(awsErrorKind(error)).toBe(kind);
  });

  it('decides retrying: retryable kinds and retryable named errors only', () => {
    expect(isRetryableError(awsError('Throttling', 400))).toBe(true);
    expect(isRetryableError(awsError('InternalError', 500))).toBe(true);
    expect(isRetryableError(awsError('AccessDenied', 403))).toBe(false);
    expect(isRetryableError(awsError('ValidationError', 400))).toBe(false);
    expect(isRetryableError(new ThrottlingError('x'))).toBe(true);
    expect(isRetryableError(new UnsafeChangeSetError('x'))).toBe(false);
    expect(isRetryableError(new Error('bug'))).toBe(false);
  });

  it('gives the CodePipeline failure type: the named error’s own, else by kind, else JobFailed', () => {
    expect(codePipelineFailureType(new ConfigurationError('x'))).toBe('ConfigurationError');
    expect(codePipelineFailureType(new ContinuationTokenError('x'))).toBe('JobFailed');
    expect(codePipelineFailureType(awsError('AccessDeniedException', 400))).toBe('PermissionError');
    expect(codePipelineFailureType(awsError('NoSuchBucket', 404))).toBe('ConfigurationError');
    expect(codePipelineFailureType(awsError('ThrottlingException', 400))).toBe('JobFailed');
    expect(codePipelineFailureType('not an error')).toBe('JobFailed');
  });

  it('maps task errors: throttling and transient failures to the retried named errors, with the cause', () => {
    const throttled = awsError('Throttling', 400);
    expect(toTaskError(throttled, 'checkStack')).toMatchObject({
      name: 'ThrottlingError',
      message: 'checkStack: AWS throttled the request (Throttling: Throttling happened)',
      cause: throttled,
    });
    const down = awsError('InternalFailure', 500);
    const mapped = toTaskError(down, 'createStack');
    expect(mapped).toBeInstanceOf(TransientAwsError);
    expect(mapped).toMatchObject({
      message: 'createStack: AWS failed the request (InternalFailure: InternalFailure happened)',
      cause: down,
    });
    const own = new UnsafeChangeSetError('refused');
    expect(toTaskError(own, 'refuseChangeSet')).toBe(own);
    const validation = awsError('ValidationError', 400);
    expect(toTaskError(validation, 'checkStack')).toBe(validation);
  });
});
