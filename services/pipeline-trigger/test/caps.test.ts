import { GetObjectCommand } from '@aws-sdk/client-s3';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DEPLOY_INPUT_FILE_LIMIT } from '@glue-cd/core';
import { Readable } from 'node:stream';
import { rawZip, zerosEntry } from '../../../packages/core/test/support/zip-bomb';
import { ARTIFACT, harness, jobEvent, objectBody } from './fixtures';

const describedZip = `input artifact BuildOutput (s3://${ARTIFACT.bucket}/${ARTIFACT.key})`;

describe('artifact reads are capped', () => {
  test('a zip bomb (262 KB → 256 MiB) fails fast with the cap error naming the entry, without expanding it', async () => {
    const h = harness();
    // The central directory lies (100 bytes), so only the streaming cap can catch it.
    const bomb = rawZip([zerosEntry('deploy/test.json', 256, 100)]);
    h.s3Mock.on(GetObjectCommand).resolves({ Body: objectBody(bomb), ContentLength: bomb.length });
    const before = process.memoryUsage().arrayBuffers;

    await h.trigger(jobEvent({ inputFile: 'deploy/test.json' }));

    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
    expect(h.failures()[0]?.failureDetails).toEqual({
      type: 'ConfigurationError',
      message: `ConfigurationError: "deploy/test.json" in ${describedZip} is larger than ${DEPLOY_INPUT_FILE_LIMIT} bytes uncompressed, the most this file may have`,
    });
    expect(h.sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('an s3:// deploy input larger than 5 MiB is refused from its Content-Length, before reading it', async () => {
    const h = harness();
    const body = { transformToByteArray: jest.fn() };
    h.s3Mock.on(GetObjectCommand).resolves({ Body: body as never, ContentLength: DEPLOY_INPUT_FILE_LIMIT + 1 });

    await h.trigger(jobEvent({ inputFile: 's3://deploy-inputs/big.json' }));

    expect(h.failures()[0]?.failureDetails?.message).toBe(
      `ConfigurationError: s3://deploy-inputs/big.json is ${DEPLOY_INPUT_FILE_LIMIT + 1} bytes, over the ${DEPLOY_INPUT_FILE_LIMIT}-byte limit for this file`,
    );
    expect(body.transformToByteArray).not.toHaveBeenCalled();
  });

  test('a streamed body without a Content-Length stops being read at the cap', async () => {
    const h = harness();
    let served = 0;
    const endless = Readable.from(
      (function* () {
        for (;;) {
          served += 1;
          yield Buffer.alloc(1024 * 1024, 0x20);
        }
      })(),
    );
    h.s3Mock.on(GetObjectCommand).resolves({ Body: endless as never });

    await h.trigger(jobEvent({ inputFile: 's3://deploy-inputs/endless.json' }));

    expect(h.failures()[0]?.failureDetails?.message).toMatch(
      /s3:\/\/deploy-inputs\/endless.json is more than 5242880 bytes, over the 5242880-byte limit/,
    );
    expect(served).toBeLessThanOrEqual(8);
    expect(endless.destroyed).toBe(true);
  });
});
