import { LOCAL_REGION } from '../../contracts';
import { generatedName, optionalString, type Provisioner, ResourceProvisioningError } from './types';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** S3's bucket naming rules: 3–63 characters of lower-case letters, digits, dots and hyphens. */
export const bucketNameProblem = (name: string): string | undefined => {
  if (name.length < 3 || name.length > 63) return 'must be between 3 and 63 characters long';
  if (!BUCKET_NAME.test(name))
    return 'must contain only lower-case letters, digits, dots and hyphens, and begin and end with a letter or digit';
  if (name.includes('..')) return 'must not contain two adjacent periods';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'must not be formatted as an IP address';
  return undefined;
};

export const bucketAttributes = (bucket: string): Record<string, string> => ({
  Arn: `arn:aws:s3:::${bucket}`,
  DomainName: `${bucket}.s3.amazonaws.com`,
  RegionalDomainName: `${bucket}.s3.${LOCAL_REGION}.amazonaws.com`,
  DualStackDomainName: `${bucket}.s3.dualstack.${LOCAL_REGION}.amazonaws.com`,
  WebsiteURL: `http://${bucket}.s3-website-${LOCAL_REGION}.amazonaws.com`,
});

/** AWS::S3::Bucket: a bucket in the local ObjectStore. */
export const s3BucketProvisioner: Provisioner = {
  async create(ctx, properties) {
    const bucket = optionalString(properties, 'BucketName', ctx) ?? generatedName(ctx, 63, { lowerCase: true });
    const problem = bucketNameProblem(bucket);
    if (problem) {
      throw new ResourceProvisioningError(
        `Bucket name '${bucket}' is not valid: ${problem} (Service: S3, Status Code: 400, Error Code: InvalidBucketName)`,
      );
    }
    if (await ctx.deps.objects.bucketExists(bucket)) {
      throw new ResourceProvisioningError(`${bucket} already exists`);
    }
    await ctx.deps.objects.createBucket(bucket);
    return { physicalId: bucket, attributes: bucketAttributes(bucket) };
  },
  // BucketName changes replace the bucket (the engine creates a new one); every other property is configuration.
  async update(_ctx, current) {
    return { physicalId: current.physicalId, attributes: bucketAttributes(current.physicalId) };
  },
  async delete(ctx, current) {
    if (!(await ctx.deps.objects.bucketExists(current.physicalId))) return;
    try {
      await ctx.deps.objects.deleteBucket(current.physicalId);
    } catch (error) {
      if ((error as Error).name === 'BucketNotEmpty') {
        throw new ResourceProvisioningError(
          `The bucket you tried to delete is not empty (Service: S3, Status Code: 409, Error Code: BucketNotEmpty; Bucket: ${current.physicalId})`,
        );
      }
      throw error;
    }
  },
};
