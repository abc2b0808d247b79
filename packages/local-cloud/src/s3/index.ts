export {
  createObjectStore,
  bucketNameProblem,
  keyProblem,
  type LocalObjectStore,
  type ObjectMetadata,
  type PutObjectOptions,
  type ListedObject,
} from './object-store';
export { createS3Service, parseS3Target } from './s3-service';
