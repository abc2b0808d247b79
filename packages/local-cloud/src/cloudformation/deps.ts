import type { LogSink } from '../log';
import type { ProvisionerDeps } from './resources';

export interface CloudFormationServiceDeps extends ProvisionerDeps {
  stateDir: string;
  /** Changes per DescribeChangeSet page (AWS: 100). */
  changeSetPageSize?: number;
  /** Delay between the asynchronous status steps of stack operations and change sets (default 20 ms). */
  stepDelayMs?: number;
  /** The local cloud's log sink (`cloud.log`); internal failures are written there. */
  log?: LogSink;
}
