import zlib from 'node:zlib';
import { AwsServiceError } from './aws-error';

/** True when the SDK streamed the body as `aws-chunked` (what PutObject does by default since flexible checksums). */
export function isAwsChunked(headers: Record<string, string>): boolean {
  const encoding = (headers['content-encoding'] ?? '').split(',').map((part) => part.trim().toLowerCase());
  const sha = headers['x-amz-content-sha256'] ?? '';
  return encoding.includes('aws-chunked') || sha.startsWith('STREAMING-');
}

export interface DecodedChunkedBody {
  payload: Buffer;
  trailers: Record<string, string>;
}

/**
 * Decodes `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n … 0\r\n<trailer>:<value>\r\n\r\n`.
 * Signatures are not verified (the local cloud accepts any credentials); sizes and the CRC32 trailer are.
 */
export function decodeAwsChunked(body: Buffer, headers: Record<string, string> = {}): DecodedChunkedBody {
  const chunks: Buffer[] = [];
  const malformed = (why: string): AwsServiceError =>
    new AwsServiceError('IncompleteBody', `The aws-chunked request body is malformed: ${why}`, 400);
  let position = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', position);
    if (lineEnd < 0) throw malformed(`missing chunk header at byte ${position}`);
    const sizeText = body.subarray(position, lineEnd).toString('latin1').split(';')[0]?.trim() ?? '';
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw malformed(`chunk size "${sizeText}" is not hexadecimal`);
    const size = parseInt(sizeText, 16);
    position = lineEnd + 2;
    if (size === 0) break;
    if (position + size > body.length) throw malformed(`chunk of ${size} bytes runs past the end of the body`);
    chunks.push(body.subarray(position, position + size));
    position += size;
    if (body.subarray(position, position + 2).toString('latin1') !== '\r\n')
      throw malformed(`chunk data not followed by CRLF at byte ${position}`);
    position += 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of body.subarray(position).toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const payload = Buffer.concat(chunks);
  const declared = headers['x-amz-decoded-content-length'];
  if (declared !== undefined && Number(declared) !== payload.length) {
    throw new AwsServiceError(
      'IncompleteBody',
      `You did not provide the number of bytes specified by the x-amz-decoded-content-length header (${declared}); the body held ${payload.length}`,
      400,
    );
  }
  const crc32 = trailers['x-amz-checksum-crc32'] ?? headers['x-amz-checksum-crc32'];
  const zlibCrc32 = (zlib as unknown as { crc32?: (data: Uint8Array) => number }).crc32;
  if (crc32 !== undefined && zlibCrc32) {
    const actual = Buffer.alloc(4);
    actual.writeUInt32BE(zlibCrc32(payload) >>> 0);
    if (actual.toString('base64') !== crc32) {
      throw new AwsServiceError(
        'BadDigest',
        `The CRC32 you specified (${crc32}) did not match the calculated checksum (${actual.toString('base64')}).`,
        400,
      );
    }
  }
  return { payload, trailers };
}
