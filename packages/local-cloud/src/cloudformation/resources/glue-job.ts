import { callService, coerceScalars, throughService } from './service-calls';
import { generatedName, optionalString, type Provisioner } from './types';

const SCALARS = {
  numbers: [
    'Timeout',
    'MaxRetries',
    'NumberOfWorkers',
    'AllocatedCapacity',
    'MaxCapacity',
    'MaxConcurrentRuns',
    'NotifyDelayAfter',
  ],
  booleans: ['JobRunQueuingEnabled'],
};

/** The job definition as CreateJob/UpdateJob take it (CloudFormation's Name and Tags are not part of it). */
const jobDefinition = (properties: Record<string, unknown>): Record<string, unknown> => {
  const { Name: _name, Tags: _tags, ...definition } = coerceScalars(properties, SCALARS) as Record<string, unknown>;
  return definition;
};

/** AWS::Glue::Job: a job of the local Glue (StartJobRun runs its script's local engine); Ref is its name. */
export const glueJobProvisioner: Provisioner = throughService('glue', {
  async create(ctx, properties) {
    const name = optionalString(properties, 'Name', ctx) ?? generatedName(ctx, 255);
    await callService(ctx, 'glue', 'CreateJob', { Name: name, ...jobDefinition(properties) });
    return { physicalId: name, attributes: {} };
  },
  async update(ctx, current, properties) {
    await callService(ctx, 'glue', 'UpdateJob', { JobName: current.physicalId, JobUpdate: jobDefinition(properties) });
    return { physicalId: current.physicalId, attributes: {} };
  },
  // DeleteJob succeeds for a job that is already gone.
  async delete(ctx, current) {
    await callService(ctx, 'glue', 'DeleteJob', { JobName: current.physicalId });
  },
});
