import { parseS3Url as parseS3UrlOrUndefined, type S3Location } from '@glue-cd/core';
import { packageService } from '@glue-cd/release';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../../..');
export const serviceDir = path.resolve(__dirname, '..');

export interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { environment, workloadBoundaryStatements } = require('../../../config/environments.js') as {
  environment: (name: string) => { id: string; permissionsBoundaryName: string; permissionsBoundaryPath: string };
  workloadBoundaryStatements: (env: unknown) => unknown[];
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { managedPolicy } = require('../../../config/iam.js') as {
  managedPolicy: (policy: { name: string; path: string; statements: unknown[] }) => Resource;
};

/**
 * The permissions boundary of `stage`'s roles alone, as the orchestrator stack creates it: deploy it before the Glue
 * ETL stack wherever that stack runs without the orchestrator (its crawls and job runs act as its bounded roles).
 */
export const workloadBoundaryTemplate = (stage: string): Template => {
  const env = environment(stage);
  return {
    Resources: {
      [`WorkloadBoundary${env.id}`]: managedPolicy({
        name: env.permissionsBoundaryName,
        path: env.permissionsBoundaryPath,
        statements: workloadBoundaryStatements(env),
      }),
    },
  };
};

/**
 * `sls package --stage <stage> --package <outDir>`, offline and without AWS credentials: packageService packages one
 * stage at a time in the service folder (osls stages every package through `<service>/.serverless`) and reuses the
 * run's warm-up from the package cache (test/support/packagings.ts).
 */
export const packageStage = async (stage: string, outDir: string, deploymentBucket: string): Promise<Template> =>
  (await packageService({ repoRoot, serviceDir, stage, outDir, deploymentBucket })).template as Template;

export const resourcesOfType = (template: Template, type: string): [string, Resource][] =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

export const resourceOf = (template: Template, logicalId: string): Resource => {
  const resource = template.Resources[logicalId];
  if (!resource) throw new Error(`template has no resource ${logicalId}`);
  return resource;
};

/** Where each physically named resource type keeps its name. */
const physicalNamePaths: Record<string, string[]> = {
  'AWS::S3::Bucket': ['BucketName'],
  'AWS::Glue::Database': ['DatabaseInput', 'Name'],
  'AWS::Glue::Crawler': ['Name'],
  'AWS::Glue::Job': ['Name'],
  'AWS::Athena::WorkGroup': ['Name'],
  'AWS::IAM::Role': ['RoleName'],
  'AWS::IAM::ManagedPolicy': ['ManagedPolicyName'],
};

export const namedTypes = Object.keys(physicalNamePaths);

const at = (value: unknown, keys: string[]): unknown =>
  keys.reduce<unknown>((current, key) => (isObject(current) ? current[key] : undefined), value);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The declared physical name expression of a resource (undefined when CloudFormation generates it). */
export const physicalNameExpression = (resource: Resource): unknown => {
  const keys = physicalNamePaths[resource.Type];
  return keys ? at(resource.Properties, keys) : undefined;
};

export interface StackContext {
  stackName: string;
  accountId: string;
  region: string;
}

/**
 * Evaluates the intrinsic functions this stack uses (Ref, Fn::Sub, Fn::GetAtt .Arn, Fn::Join, Fn::Split) as
 * CloudFormation would for a given stack name and account, so names and ARNs can be compared as strings.
 */
export const makeResolver = (template: Template, context: StackContext) => {
  const pseudo: Record<string, string> = {
    'AWS::StackName': context.stackName,
    'AWS::AccountId': context.accountId,
    'AWS::Region': context.region,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };

  const ref = (name: string): string => {
    const pseudoValue = pseudo[name];
    if (pseudoValue !== undefined) return pseudoValue;
    const resource = resourceOf(template, name);
    const expression = physicalNameExpression(resource);
    if (expression === undefined) throw new Error(`Ref ${name}: ${resource.Type} has no declared physical name`);
    return asString(resolve(expression), `Ref ${name}`);
  };

  const getAtt = (logicalId: string, attribute: string): string => {
    const resource = resourceOf(template, logicalId);
    if (resource.Type === 'AWS::S3::Bucket' && attribute === 'Arn') return `arn:aws:s3:::${ref(logicalId)}`;
    // Generated names: a stable, stack-specific placeholder is enough to tell references apart.
    if (attribute === 'Arn')
      return `arn:aws:generated:${context.region}:${context.accountId}:${context.stackName}/${logicalId}`;
    throw new Error(`Fn::GetAtt ${logicalId}.${attribute} is not modelled`);
  };

  const sub = (text: string, variables: Record<string, unknown>): string =>
    text.replace(/\$\{([^}!]+)\}/g, (_match, name: string) => {
      if (name in variables) return asString(resolve(variables[name]), `Fn::Sub ${name}`);
      const [logicalId, attribute] = name.split('.');
      return attribute !== undefined && logicalId !== undefined ? getAtt(logicalId, attribute) : ref(name);
    });

  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [fn] = keys as [string];
      const argument = value[fn];
      switch (fn) {
        case 'Ref':
          return ref(asString(argument, 'Ref'));
        case 'Fn::GetAtt': {
          const [logicalId, attribute] = Array.isArray(argument) ? argument : String(argument).split('.');
          return getAtt(String(logicalId), String(attribute));
        }
        case 'Fn::Sub':
          return Array.isArray(argument)
            ? sub(asString(argument[0], 'Fn::Sub'), (argument[1] ?? {}) as Record<string, unknown>)
            : sub(asString(argument, 'Fn::Sub'), {});
        case 'Fn::Join': {
          const [separator, parts] = argument as [string, unknown];
          const list = resolve(parts);
          if (!Array.isArray(list)) throw new Error('Fn::Join expects a list');
          return list.map((part) => asString(part, 'Fn::Join')).join(separator);
        }
        case 'Fn::Split': {
          const [separator, source] = argument as [string, unknown];
          return asString(resolve(source), 'Fn::Split').split(separator);
        }
      }
    }
    return Object.fromEntries(Object.entries(value).map(([key, nested]) => [key, resolve(nested)]));
  };

  return resolve;
};

const asString = (value: unknown, where: string): string => {
  if (typeof value !== 'string') throw new Error(`${where}: expected a string, got ${JSON.stringify(value)}`);
  return value;
};

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export interface OwnedStatement {
  owner: string;
  statement: PolicyStatement;
}

/** Every permission statement in the template: inline role policies, managed policies and bucket policies. */
export const policyStatements = (template: Template): OwnedStatement[] =>
  Object.entries(template.Resources).flatMap(([logicalId, resource]) => {
    const documents: unknown[] = [];
    if (resource.Type === 'AWS::IAM::Role') {
      const policies = (resource.Properties?.Policies ?? []) as { PolicyDocument: unknown }[];
      documents.push(...policies.map((policy) => policy.PolicyDocument));
    }
    if (['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::S3::BucketPolicy'].includes(resource.Type)) {
      documents.push(resource.Properties?.PolicyDocument);
    }
    return documents.flatMap((document) =>
      ((document as { Statement: PolicyStatement[] }).Statement ?? []).map((statement) => ({
        owner: logicalId,
        statement,
      })),
    );
  });

export const toList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

const wildcardPattern = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

/**
 * Whether a role's Allow statements grant `action` on `resourceArn` (wildcards as IAM evaluates them; conditions
 * are ignored, so use it for actions whose statements carry none).
 */
export const roleAllows = (
  template: Template,
  resolve: (value: unknown) => unknown,
  roleLogicalId: string,
  action: string,
  resourceArn: string,
): boolean =>
  policyStatements(template)
    .filter(({ owner, statement }) => owner === roleLogicalId && statement.Effect === 'Allow')
    .some(({ statement }) => {
      const actions = toList(statement.Action);
      const resources = toList(resolve(statement.Resource)) as string[];
      return (
        actions.some((granted) => wildcardPattern(granted.toLowerCase()).test(action.toLowerCase())) &&
        resources.some((granted) => wildcardPattern(granted).test(resourceArn))
      );
    });

/** `s3://bucket/key` -> { bucket, key }; a template value that is no s3:// URL fails the test. */
export const parseS3Url = (url: string): S3Location => {
  const location = parseS3UrlOrUndefined(url);
  if (!location) throw new Error(`not an s3 URL: ${url}`);
  return location;
};
