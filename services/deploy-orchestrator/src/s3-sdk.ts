// The S3 SDK of the tasks (the client and the commands they send), which only some invocations need: the bundle's
// lazy chunk `<function>.s3-sdk.js` (config/esbuild-plugins.cjs), loaded through `s3Sdk()`, never imported statically.
export {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
