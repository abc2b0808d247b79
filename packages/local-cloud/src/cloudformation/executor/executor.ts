import { silentLog } from '../../log';
import type { CloudFormationServiceDeps } from '../deps';
import type { Deployment } from '../model/deployment';
import { provisionerFor, type Provisioner, type ProvisionerDeps, type ResourceContext } from '../resources';
import { nestedStackProvisioner } from '../resources/nested-stack';
import { templateBody } from '../sources';
import type { StackRecord } from '../store/records';
import { STACK_TYPE, type StackStore } from '../store/store';
import { runCreate } from './create';
import { runDelete } from './delete';
import { nestedStackHost } from './nested';
import { OperationRunner } from './operations';
import { runUpdate, type UpdateOptions } from './update';

/**
 * Runs create, update (with rollback) and delete over the resource provisioners, one `Provisioner` per type in
 * `../resources` plus the nested-stack host; every step is an event on the stack in the store.
 */
export class Executor {
  readonly runner: OperationRunner;
  private readonly nestedStacks: Provisioner;
  private readonly provisionerDeps: ProvisionerDeps;

  constructor(
    readonly store: StackStore,
    readonly deps: CloudFormationServiceDeps,
  ) {
    this.runner = new OperationRunner(store, deps.log ?? silentLog, deps.stepDelayMs ?? 20);
    this.nestedStacks = nestedStackProvisioner(nestedStackHost(this));
    this.provisionerDeps = {
      objects: deps.objects,
      functions: deps.functions,
      stateMachines: deps.stateMachines,
      ...(deps.glue ? { glue: deps.glue } : {}),
      ...(deps.athena ? { athena: deps.athena } : {}),
      ...(deps.secretsManager ? { secretsManager: deps.secretsManager } : {}),
    };
  }

  provisionerFor(resourceType: string): Provisioner {
    return resourceType === STACK_TYPE ? this.nestedStacks : provisionerFor(resourceType);
  }

  resourceContext(stack: StackRecord, logicalId: string, resourceType: string): ResourceContext {
    return { stackName: stack.stackName, logicalId, resourceType, deps: this.provisionerDeps };
  }

  step(): Promise<void> {
    return this.runner.step();
  }

  templateBody(input: { TemplateBody?: string | undefined; TemplateURL?: string | undefined }): Promise<string> {
    return templateBody(this.deps.objects, input);
  }

  /** Creates every resource in dependency order; a failure rolls back (or stops, with DisableRollback). */
  create(stack: StackRecord, deployment: Deployment): Promise<boolean> {
    return runCreate(this, stack, deployment);
  }

  /** Moves the stack to a new deployment; a failure rolls back to the previous one. */
  update(stack: StackRecord, deployment: Deployment, options: UpdateOptions = {}): Promise<boolean> {
    return runUpdate(this, stack, deployment, options);
  }

  /** Deletes every resource, dependents first, honouring DeletionPolicy and RetainResources. */
  delete(stack: StackRecord, retain: Set<string>): Promise<void> {
    return runDelete(this, stack, retain);
  }
}
