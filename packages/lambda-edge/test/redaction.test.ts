import { createLogger, redact, redactText, Redactor } from '../src';
import { captureOutput } from './support';

describe('one redactor for both services', () => {
  it('masks access key ids (keeping the type prefix), inline tokens and signatures in text', () => {
    expect(redactText('Credential=AKIAIOSFODNN7EXAMPLE/20260101 X-Amz-Security-Token=FwoGabc&x=1')).toBe(
      'Credential=AKIA****************/20260101 X-Amz-Security-Token=[REDACTED]&x=1',
    );
    expect(redactText('<AWSAccessKeyId>ASIAFAKEARTIFACTKEY77</AWSAccessKeyId>')).toBe(
      '<AWSAccessKeyId>[REDACTED]</AWSAccessKeyId>',
    );
    expect(redactText('role AROAABCDEFGHIJKLMNOP, X-Amz-Signature=abc123; ok')).toBe(
      'role AROA****************, X-Amz-Signature=[REDACTED]; ok',
    );
  });

  it('replaces credential-like members anywhere (both services’ keys), keeps null members', () => {
    expect(
      redact({
        accessKeyId: 'x',
        AWSAccessKeyId: 'y',
        artifactCredentials: { a: 1 },
        Authorization: 'AWS4-HMAC-SHA256 …',
        nested: [{ secretAccessKey: 'z', sessionToken: 't', continuationToken: 'c', SecretString: 's', password: 'p' }],
        StringToSign: 'a',
        SignatureProvided: 'b',
        nextToken: null,
        stackName: 'glue-cd-glue-etl-test',
      }),
    ).toEqual({
      accessKeyId: '[REDACTED]',
      AWSAccessKeyId: '[REDACTED]',
      artifactCredentials: '[REDACTED]',
      Authorization: '[REDACTED]',
      nested: [
        {
          secretAccessKey: '[REDACTED]',
          sessionToken: '[REDACTED]',
          continuationToken: '[REDACTED]',
          SecretString: '[REDACTED]',
          password: '[REDACTED]',
        },
      ],
      StringToSign: '[REDACTED]',
      SignatureProvided: '[REDACTED]',
      nextToken: null,
      stackName: 'glue-cd-glue-etl-test',
    });
  });

  it('removes remembered values of the invocation until it forgets them; is cycle-safe', () => {
    const redactor = new Redactor();
    redactor.remember('remembered-secret-value', 'short', undefined, new TextEncoder().encode('binary-secret-key'));
    const cyclic: Record<string, unknown> = { text: 'a remembered-secret-value and binary-secret-key; short stays' };
    cyclic.self = cyclic;
    expect(redactor.value(cyclic)).toEqual({ text: 'a [REDACTED] and [REDACTED]; short stays', self: '[Circular]' });
    redactor.forget();
    expect(redactor.text('remembered-secret-value')).toBe('remembered-secret-value');
  });

  it('cleans every log line, errors and their causes included', async () => {
    const { logger, redactor } = createLogger({ serviceName: 'edge-test', logLevel: 'INFO' });
    redactor.remember('FAKE-SESSION-TOKEN-do-not-log');
    const sdkError = Object.assign(new Error('The request signature we calculated does not match.'), {
      name: 'SignatureDoesNotMatch',
      AWSAccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      StringToSign: 'AWS4-HMAC-SHA256\n20260101T000000Z\nsigned-secret-material',
      $response: { headers: { 'x-amz-security-token': 'FwoGZXIvYXdzEXAMPLESESSION' } },
    });
    const wrapped = new Error('cannot read s3://b/k with FAKE-SESSION-TOKEN-do-not-log', { cause: sdkError });

    const output = await captureOutput(() =>
      logger.error('task failed', { error: wrapped, note: 'AKIAIOSFODNN7EXAMPLE' }),
    );

    expect(output).toContain('SignatureDoesNotMatch');
    for (const secret of [
      'AKIAIOSFODNN7EXAMPLE',
      'signed-secret-material',
      'FwoGZXIvYXdzEXAMPLESESSION',
      'FAKE-SESSION-TOKEN-do-not-log',
    ]) {
      expect(output).not.toContain(secret);
    }
  });

  it('keeps a log level set at run time across invocations', () => {
    const { logger } = createLogger({ serviceName: 'edge-test', logLevel: 'INFO' });
    logger.setLogLevel('SILENT');
    logger.refreshSampleRateCalculation();
    logger.refreshSampleRateCalculation();
    expect(logger.getLevelName()).toBe('SILENT');
  });
});
