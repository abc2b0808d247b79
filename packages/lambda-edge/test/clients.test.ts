import { createClientFactory, deadlineConfig, s3PathStyle } from '../src';

class FakeClient {
  constructor(readonly config: Record<string, unknown>) {}
}

const DEADLINES = { connectionTimeoutMs: 2_000, requestTimeoutMs: 5_000, maxAttempts: 3 };

describe('the one client factory', () => {
  it('gives every client deadlines that throw and bounded attempts', () => {
    expect(deadlineConfig(DEADLINES)).toEqual({
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 2000, requestTimeout: 5000, throwOnRequestTimeout: true },
    });
  });

  it('takes the region from the environment and leaves endpoints to the SDK unless one is given', () => {
    const factory = createClientFactory({ deadlines: DEADLINES, env: { AWS_REGION: 'eu-west-1' } });
    expect(factory.create(FakeClient).config).toEqual({ ...deadlineConfig(DEADLINES), region: 'eu-west-1' });
    expect(createClientFactory({ deadlines: DEADLINES, env: { AWS_DEFAULT_REGION: 'us-west-2' } }).config.region).toBe(
      'us-west-2',
    );
    expect(createClientFactory({ deadlines: DEADLINES, env: {} }).config).not.toHaveProperty('region');
    const local = createClientFactory({
      deadlines: DEADLINES,
      env: {},
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:4566',
    });
    expect(local.create(FakeClient).config).toMatchObject({ region: 'us-east-1', endpoint: 'http://127.0.0.1:4566' });
  });

  it('addresses S3 by path only behind a custom endpoint (the rule, once)', () => {
    expect(s3PathStyle({})).toBe(false);
    expect(s3PathStyle({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' })).toBe(true);
    expect(s3PathStyle({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4566' })).toBe(true);
    expect(s3PathStyle({}, 'http://127.0.0.1:4566')).toBe(true);
    const onAws = createClientFactory({ deadlines: DEADLINES, env: {} });
    expect(onAws.s3(FakeClient).config.forcePathStyle).toBe(false);
    const local = createClientFactory({ deadlines: DEADLINES, env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' } });
    expect(local.s3(FakeClient).config.forcePathStyle).toBe(true);
  });

  it('gives an S3 client its own static credentials (a CodePipeline job’s artifact credentials)', () => {
    const factory = createClientFactory({ deadlines: DEADLINES, env: {} });
    const credentials = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 's', sessionToken: '' };
    expect(factory.s3(FakeClient, { credentials }).config.credentials).toEqual({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 's',
    });
  });
});
