import { isAwsServiceError } from '../../aws-error';
import type { IamRequest } from '../../iam/actions';
import { type HandlerCall, handlerRequestsOf } from '../../iam/cloudformation-handlers';
import { customPhysicalName, type Provisioner, type ResourceContext, ResourceProvisioningError } from '../resources';

const LOWER_CASE_NAMES = new Set(['AWS::S3::Bucket', 'AWS::Glue::Database', 'AWS::Glue::Table']);

type AuthorizeAs = (roleArn: string, requests: readonly IamRequest[], service: string) => Promise<void>;

/** The service named in a handler's error, as CloudFormation words it (`Service: S3`). */
const serviceOf = (requests: readonly IamRequest[]): string => requests[0]?.action.split(':')[0] ?? 'cloudformation';

/**
 * A provisioner whose operations first ask IAM, as the stack's service role, for what CloudFormation's handler of
 * that type calls; a denial fails the resource with AWS's handler message. Stacks without RoleARN are not checked.
 */
export const asServiceRole = (provisioner: Provisioner, authorizeAs: AuthorizeAs): Provisioner => {
  const check = async (ctx: ResourceContext, call: HandlerCall): Promise<void> => {
    if (!ctx.roleArn) return;
    const requests = handlerRequestsOf(ctx.resourceType, call);
    if (requests === undefined) {
      throw new ResourceProvisioningError(
        `The local cloud has no IAM mapping for ${ctx.resourceType} handlers (packages/local-cloud/src/iam/cloudformation-handlers.ts), so the service role ${ctx.roleArn} may not ${call.operation} it`,
      );
    }
    try {
      await authorizeAs(ctx.roleArn, requests, serviceOf(requests));
    } catch (error) {
      if (!isAwsServiceError(error)) throw error;
      throw new ResourceProvisioningError(
        `Resource handler returned message: "${error.message} (Service: ${serviceOf(requests)}, Status Code: ${error.statusCode}, Error Code: ${error.code})"`,
      );
    }
  };
  // A name CloudFormation generates is `<stack>-<logicalId>-<random>`: what the role's ARN patterns must allow.
  const nameForCreate = (ctx: ResourceContext, properties: Record<string, unknown>): string => {
    const generated = `${ctx.stackName}-${ctx.logicalId}-GENERATED`;
    return (
      customPhysicalName(ctx.resourceType, properties) ??
      (LOWER_CASE_NAMES.has(ctx.resourceType) ? generated.toLowerCase() : generated)
    );
  };
  return {
    create: async (ctx, properties) => {
      await check(ctx, { operation: 'create', name: nameForCreate(ctx, properties), properties });
      return provisioner.create(ctx, properties);
    },
    update: async (ctx, current, properties) => {
      await check(ctx, { operation: 'update', name: current.physicalId, properties });
      return provisioner.update(ctx, current, properties);
    },
    delete: async (ctx, current) => {
      await check(ctx, { operation: 'delete', name: current.physicalId, properties: current.properties });
      return provisioner.delete(ctx, current);
    },
  };
};
