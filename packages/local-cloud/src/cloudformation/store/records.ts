import type { Change, Tag } from '@aws-sdk/client-cloudformation';
import type { ParameterValue } from '../model/intrinsics';

export interface StackEventRecord {
  eventId: string;
  logicalId: string;
  physicalId: string;
  resourceType: string;
  timestamp: string;
  status: string;
  reason?: string;
  properties?: string;
  /** The ClientRequestToken of the operation that caused the event. */
  clientRequestToken?: string;
}

export interface ResourceRecord {
  logicalId: string;
  type: string;
  physicalId: string;
  status: string;
  reason?: string;
  /** Properties with every intrinsic function resolved, as last applied. */
  properties: Record<string, unknown>;
  attributes: Record<string, unknown>;
  updatedAt: string;
}

export interface OutputRecord {
  key: string;
  value: string;
  description?: string;
  exportName?: string;
}

export interface StackRecord {
  stackId: string;
  stackName: string;
  status: string;
  reason?: string;
  createdAt: string;
  updatedAt?: string;
  deletedAt?: string;
  description?: string;
  /** The template as submitted (JSON or YAML text); empty while the stack only holds a CREATE change set. */
  templateBody: string;
  parameters: Record<string, ParameterValue>;
  noEcho: string[];
  capabilities: string[];
  tags: Tag[];
  roleArn?: string;
  disableRollback: boolean;
  resources: Record<string, ResourceRecord>;
  outputs: OutputRecord[];
  /** Export names this stack's resources and outputs import (an export in use cannot change or go away). */
  imports: string[];
  /** Oldest first. */
  events: StackEventRecord[];
  lastChangeSetId?: string;
  /** Set on nested stacks: the stack whose AWS::CloudFormation::Stack resource this is, and the root of the tree. */
  parentId?: string;
  rootId?: string;
  /** Set on root stacks only: nested stacks inherit their root's protection, as on AWS. */
  terminationProtection?: boolean;
  /** The stack policy document, as given (StackPolicyBody, or the text behind StackPolicyURL). */
  stackPolicy?: string;
  /** The ClientRequestToken of the running (or last) operation: its events carry it. */
  clientRequestToken?: string;
  /** Tokens of the requests this stack already served, so a retry with the same token is not repeated. */
  requestTokens?: RequestTokenRecord[];
}

export interface RequestTokenRecord {
  action: 'CreateStack' | 'UpdateStack' | 'DeleteStack' | 'ExecuteChangeSet';
  token: string;
}

export interface ChangeSetRecord {
  changeSetId: string;
  changeSetName: string;
  stackId: string;
  stackName: string;
  changeSetType: 'CREATE' | 'UPDATE';
  status: string;
  statusReason?: string;
  executionStatus: string;
  createdAt: string;
  description?: string;
  templateBody: string;
  parameters: Record<string, ParameterValue>;
  noEcho: string[];
  capabilities: string[];
  tags: Tag[];
  roleArn?: string;
  includeNestedStacks: boolean;
  changes: Change[];
  parentChangeSetId?: string;
  rootChangeSetId?: string;
  /** CreateChangeSet's ClientToken: a retry with it gets this change set back instead of AlreadyExistsException. */
  clientToken?: string;
  /** ExecuteChangeSet's ClientRequestToken once executed: a retry with it is accepted and not repeated. */
  executionToken?: string;
}

export interface CloudFormationState {
  stacks: StackRecord[];
  changeSets: ChangeSetRecord[];
}
