// The S3 SDK, which only a job's first invocation needs (to read its deploy input artifact): the bundle's lazy chunk
// `trigger.artifact-s3.js` (config/esbuild-plugins.cjs), loaded through `artifactS3Sdk()`, never imported statically.
export { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
