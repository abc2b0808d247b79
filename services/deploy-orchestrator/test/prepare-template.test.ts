import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ARTIFACT_ZIP_LIMIT, CLOUDFORMATION_TEMPLATE_LIMIT, ConfigurationError, parseDeployInput } from '@glue-cd/core';
import { rawZip, zerosEntry } from '../../../packages/core/test/support/zip-bomb';
import { mockClient } from 'aws-sdk-client-mock';
import { prepareTemplate, TEMPLATE_BODY_LIMIT_BYTES, templateUrl } from '../src/tasks/prepare-template';
import { deployInput, TEMPLATE, zipOf } from './support/fixtures';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1' });
beforeEach(() => s3Mock.reset());

const settings = { region: 'eu-west-1', templateStagingBucket: 'glue-cd-staging' };
const event = (template: unknown) => ({
  input: parseDeployInput(deployInput({ template })),
  executionName: 'codepipeline-job-1',
});
const artifactBody = (zip: Uint8Array) => ({ Body: { transformToByteArray: async () => zip } }) as never;

describe('prepareTemplate', () => {
  it('passes a small body as TemplateBody', async () => {
    expect(await prepareTemplate(s3, settings, event({ body: TEMPLATE }))).toEqual({
      kind: 'body',
      templateBody: TEMPLATE,
      bytes: TEMPLATE.length,
    });
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('extracts the path from the zip artifact', async () => {
    s3Mock
      .on(GetObjectCommand, { Bucket: 'glue-cd-artifacts', Key: 'pipeline/Build/abc.zip' })
      .resolves(artifactBody(zipOf({ 'cfn/app.json': TEMPLATE, 'README.md': '#' })));
    const prepared = await prepareTemplate(
      s3,
      settings,
      event({ artifact: { bucket: 'glue-cd-artifacts', key: 'pipeline/Build/abc.zip' }, path: './cfn/app.json' }),
    );
    expect(prepared).toEqual({ kind: 'body', templateBody: TEMPLATE, bytes: TEMPLATE.length });
  });

  it('names the missing path, the artifact and what it holds', async () => {
    s3Mock.on(GetObjectCommand).resolves(artifactBody(zipOf({ 'cfn/other.json': TEMPLATE })));
    const prepared = prepareTemplate(
      s3,
      settings,
      event({ artifact: { bucket: 'glue-cd-artifacts', key: 'b.zip' }, path: 'cfn/app.json' }),
    );
    await expect(prepared).rejects.toBeInstanceOf(ConfigurationError);
    await expect(prepared).rejects.toThrow(
      'DeployInput.template.path: "cfn/app.json" is not in artifact s3://glue-cd-artifacts/b.zip; it holds cfn/other.json',
    );
  });

  it('reads no more of a template than CloudFormation takes: a zip bomb is refused at the cap', async () => {
    // 256 MiB of zeros in ~262 KB, claiming to be 100 bytes.
    s3Mock.on(GetObjectCommand).resolves(artifactBody(rawZip([zerosEntry('cfn/app.json', 256, 100)])));
    const prepared = prepareTemplate(
      s3,
      settings,
      event({ artifact: { bucket: 'glue-cd-artifacts', key: 'bomb.zip' }, path: 'cfn/app.json' }),
    );
    await expect(prepared).rejects.toBeInstanceOf(ConfigurationError);
    await expect(prepared).rejects.toThrow(
      `DeployInput.template.path: "cfn/app.json" in artifact s3://glue-cd-artifacts/bomb.zip is larger than ${CLOUDFORMATION_TEMPLATE_LIMIT} bytes uncompressed`,
    );
  });

  it('refuses an artifact over the 64 MiB a Lambda downloads, from its Content-Length or while it streams', async () => {
    const neverRead = async (): Promise<Uint8Array> => {
      throw new Error('the body was read');
    };
    let chunksRead = 0;
    const streamed = {
      transformToByteArray: neverRead,
      async *[Symbol.asyncIterator]() {
        for (;;) {
          chunksRead += 1;
          yield new Uint8Array(1024 * 1024);
        }
      },
    };
    s3Mock
      .on(GetObjectCommand, { Key: 'declared.zip' })
      .resolves({ Body: { transformToByteArray: neverRead }, ContentLength: ARTIFACT_ZIP_LIMIT + 1 } as never)
      .on(GetObjectCommand, { Key: 'streamed.zip' })
      .resolves({ Body: streamed } as never);
    const prepare = (key: string) =>
      prepareTemplate(s3, settings, event({ artifact: { bucket: 'glue-cd-artifacts', key }, path: 'cfn/app.json' }));

    await expect(prepare('declared.zip')).rejects.toThrow(
      new ConfigurationError(
        `DeployInput.template.artifact: s3://glue-cd-artifacts/declared.zip is ${ARTIFACT_ZIP_LIMIT + 1} bytes, over the ${ARTIFACT_ZIP_LIMIT}-byte limit for this file`,
      ),
    );
    await expect(prepare('streamed.zip')).rejects.toThrow(
      new ConfigurationError(
        `DeployInput.template.artifact: s3://glue-cd-artifacts/streamed.zip is more than ${ARTIFACT_ZIP_LIMIT} bytes, over the ${ARTIFACT_ZIP_LIMIT}-byte limit for this file`,
      ),
    );
    // It stopped at the first chunk past the cap.
    expect(chunksRead).toBe(ARTIFACT_ZIP_LIMIT / (1024 * 1024) + 1);
  });

  it('names a missing artifact object', async () => {
    s3Mock.on(GetObjectCommand).rejects(Object.assign(new Error('nope'), { name: 'NoSuchKey' }));
    await expect(
      prepareTemplate(
        s3,
        settings,
        event({ artifact: { bucket: 'glue-cd-artifacts', key: 'gone.zip' }, path: 'a.json' }),
      ),
    ).rejects.toThrow('DeployInput.template.artifact: s3://glue-cd-artifacts/gone.zip does not exist (NoSuchKey)');
  });

  it('rejects an artifact that is not a zip', async () => {
    s3Mock.on(GetObjectCommand).resolves(artifactBody(new TextEncoder().encode('not a zip')));
    await expect(
      prepareTemplate(s3, settings, event({ artifact: { bucket: 'glue-cd-artifacts', key: 'x.zip' }, path: 'a.json' })),
    ).rejects.toThrow('artifact s3://glue-cd-artifacts/x.zip is not a readable zip');
  });

  it('stages a template over the TemplateBody limit in S3 and passes its https URL', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    const big = JSON.stringify({ Resources: {}, Metadata: { pad: 'x'.repeat(TEMPLATE_BODY_LIMIT_BYTES) } });
    const prepared = await prepareTemplate(s3, settings, event({ body: big }));
    expect(prepared).toEqual({
      kind: 'url',
      templateURL:
        'https://glue-cd-staging.s3.eu-west-1.amazonaws.com/templates/glue-cd-etl-test/codepipeline-job-1/template.json',
      staged: true,
    });
    expect(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'glue-cd-staging',
      Key: 'templates/glue-cd-etl-test/codepipeline-job-1/template.json',
      Body: big,
    });
  });

  it('keeps a template of exactly 51,200 bytes as TemplateBody', async () => {
    const body = `{"Resources":{},"Metadata":{"p":"${'x'.repeat(TEMPLATE_BODY_LIMIT_BYTES - 36)}"}}`;
    expect(Buffer.byteLength(body)).toBe(TEMPLATE_BODY_LIMIT_BYTES);
    expect(await prepareTemplate(s3, settings, event({ body }))).toMatchObject({ kind: 'body' });
  });

  it('needs TEMPLATE_STAGING_BUCKET for a large template', async () => {
    const big = 'x'.repeat(TEMPLATE_BODY_LIMIT_BYTES + 1);
    await expect(prepareTemplate(s3, { region: 'us-east-1' }, event({ body: big }))).rejects.toThrow(
      `TEMPLATE_STAGING_BUCKET is not set, but the template is ${TEMPLATE_BODY_LIMIT_BYTES + 1} bytes (TemplateBody allows ${TEMPLATE_BODY_LIMIT_BYTES})`,
    );
  });

  it('passes a URL through as TemplateURL, turning s3:// into https', async () => {
    expect(await prepareTemplate(s3, settings, event({ url: 's3://glue-cd-builds/app/template.json' }))).toEqual({
      kind: 'url',
      templateURL: 'https://glue-cd-builds.s3.eu-west-1.amazonaws.com/app/template.json',
      staged: false,
    });
    expect(templateUrl('https://example.com/t.json', 'us-east-1')).toBe('https://example.com/t.json');
    expect(() => templateUrl('s3://bucket-only', 'us-east-1')).toThrow('names no object key');
  });
});
