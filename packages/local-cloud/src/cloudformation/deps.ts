import type { IamRequest } from '../iam/actions';
import type { LogSink } from '../log';
import type { ProvisionerDeps } from './resources';

export interface CloudFormationServiceDeps extends ProvisionerDeps {
  stateDir: string;
  /** Changes per DescribeChangeSet page (AWS: 100). */
  changeSetPageSize?: number;
  /** Delay between the asynchronous status steps of stack operations and change sets (default 20 ms). */
  stepDelayMs?: number;
  /**
   * IAM for resource operations of a stack with a service role (RoleARN): throws the AwsServiceError that fails the
   * resource when the role may not make a request. Without it (unit harnesses) nothing is checked.
   */
  authorizeAs?: (roleArn: string, requests: readonly IamRequest[], service: string) => Promise<void>;
  /** The local cloud's log sink (`cloud.log`); internal failures are written there. */
  log?: LogSink;
}
