import { ConfigurationError } from '@glue-cd/core';

/** An S3 GetObject response as the SDK gives it in Node: a body stream with `transformToByteArray`. */
export interface ObjectResponse {
  Body?: { transformToByteArray(): Promise<Uint8Array> } | undefined;
  ContentLength?: number | undefined;
}

const tooLarge = (url: string, size: number | 'more', maxBytes: number) =>
  new ConfigurationError(
    `${url} is ${size === 'more' ? `more than ${maxBytes}` : size} bytes, over the ${maxBytes}-byte limit for this file`,
  );

/**
 * The body of an S3 object, at most `maxBytes` of it: refused from its Content-Length before a byte is read, else read
 * chunk by chunk and stopped as soon as it passes the cap (a Lambda's memory never holds more), or when `signal`
 * aborts. Over the cap: a ConfigurationError naming the object, its size and the cap.
 */
export const readObjectBody = async (
  object: ObjectResponse,
  url: string,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<Uint8Array> => {
  const body = object.Body;
  if (!body) throw new Error('empty body');
  if (object.ContentLength !== undefined && object.ContentLength > maxBytes) {
    throw tooLarge(url, object.ContentLength, maxBytes);
  }
  if (!(Symbol.asyncIterator in body)) {
    const bytes = await body.transformToByteArray();
    if (bytes.length > maxBytes) throw tooLarge(url, bytes.length, maxBytes);
    return bytes;
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const stream = body as AsyncIterable<Uint8Array> & { destroy?: () => void };
  try {
    for await (const chunk of stream) {
      signal?.throwIfAborted();
      total += chunk.length;
      if (total > maxBytes) throw tooLarge(url, 'more', maxBytes);
      chunks.push(chunk);
    }
  } finally {
    stream.destroy?.();
  }
  return new Uint8Array(Buffer.concat(chunks, total));
};
