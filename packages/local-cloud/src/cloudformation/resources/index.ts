import { lambdaFunctionProvisioner } from './lambda-function';
import { nameAtPath, recordedNameProperty, recordedProvisioner } from './recorded';
import { s3BucketProvisioner } from './s3-bucket';
import { stateMachineProvisioner } from './step-functions-state-machine';
import type { Provisioner } from './types';

const PROVISIONERS: Record<string, Provisioner> = {
  'AWS::S3::Bucket': s3BucketProvisioner,
  'AWS::Lambda::Function': lambdaFunctionProvisioner,
  'AWS::StepFunctions::StateMachine': stateMachineProvisioner,
};

/** The provisioner of a resource type; types the local cloud does not run are recorded. */
export const provisionerFor = (resourceType: string): Provisioner => PROVISIONERS[resourceType] ?? recordedProvisioner;

const NAME_PROPERTIES: Record<string, readonly string[]> = {
  'AWS::S3::Bucket': ['BucketName'],
  'AWS::Lambda::Function': ['FunctionName'],
  'AWS::StepFunctions::StateMachine': ['StateMachineName'],
};

/**
 * The custom physical name a resource's properties give it (BucketName, RoleName, DatabaseInput.Name, …), if any:
 * CloudFormation cannot replace a resource whose custom name stays the same.
 */
export const customPhysicalName = (resourceType: string, properties: Record<string, unknown>): string | undefined => {
  const path = NAME_PROPERTIES[resourceType] ?? recordedNameProperty(resourceType, properties);
  return path ? nameAtPath(properties, path) : undefined;
};

export const isRecordedOnly = (resourceType: string): boolean => !(resourceType in PROVISIONERS);

export { bucketNameProblem } from './s3-bucket';
export type { CurrentResource, ProvisionedResource, Provisioner, ProvisionerDeps, ResourceContext } from './types';
export { ResourceProvisioningError } from './types';
