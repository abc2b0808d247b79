import { athenaWorkGroupProvisioner } from './athena-workgroup';
import { glueCrawlerProvisioner } from './glue-crawler';
import { glueDatabaseProvisioner } from './glue-database';
import { glueJobProvisioner } from './glue-job';
import { glueTableProvisioner } from './glue-table';
import { lambdaFunctionProvisioner } from './lambda-function';
import { nameAtPath, recordedNameProperty, recordedProvisioner } from './recorded';
import { s3BucketProvisioner } from './s3-bucket';
import { secretProvisioner } from './secretsmanager-secret';
import { stateMachineProvisioner } from './step-functions-state-machine';
import type { Provisioner } from './types';

const PROVISIONERS: Record<string, Provisioner> = {
  'AWS::S3::Bucket': s3BucketProvisioner,
  'AWS::Lambda::Function': lambdaFunctionProvisioner,
  'AWS::StepFunctions::StateMachine': stateMachineProvisioner,
  'AWS::Glue::Database': glueDatabaseProvisioner,
  'AWS::Glue::Table': glueTableProvisioner,
  'AWS::Glue::Crawler': glueCrawlerProvisioner,
  'AWS::Glue::Job': glueJobProvisioner,
  'AWS::Athena::WorkGroup': athenaWorkGroupProvisioner,
  'AWS::SecretsManager::Secret': secretProvisioner,
};

/** The provisioner of a resource type; types the local cloud does not run are recorded. */
export const provisionerFor = (resourceType: string): Provisioner => PROVISIONERS[resourceType] ?? recordedProvisioner;

const NAME_PROPERTIES: Record<string, readonly string[]> = {
  'AWS::S3::Bucket': ['BucketName'],
  'AWS::Lambda::Function': ['FunctionName'],
  'AWS::StepFunctions::StateMachine': ['StateMachineName'],
  'AWS::Glue::Database': ['DatabaseInput', 'Name'],
  'AWS::Glue::Table': ['TableInput', 'Name'],
  'AWS::Glue::Crawler': ['Name'],
  'AWS::Glue::Job': ['Name'],
  'AWS::Athena::WorkGroup': ['Name'],
  'AWS::SecretsManager::Secret': ['Name'],
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
