import { callService, coerceScalars, errorCode, ignoreNotFound, throughService } from './service-calls';
import {
  generatedName,
  optionalString,
  type Provisioner,
  type ResourceContext,
  ResourceProvisioningError,
} from './types';

// CloudFormation-only members that CreateCrawler/UpdateCrawler do not take (tags are not kept locally).
const NOT_API_MEMBERS = new Set(['Tags']);
// How long a delete waits for a running crawl to stop before it gives up.
const STOP_WAIT_MS = 120_000;
const POLL_MS = 50;

/** The crawler's API input: the template's properties; Schedule is `{ ScheduleExpression }` in CloudFormation. */
const crawlerInput = (properties: Record<string, unknown>, name: string): Record<string, unknown> => {
  const input: Record<string, unknown> = { Name: name };
  const typed = coerceScalars(properties, { numbers: ['SampleSize'], booleans: ['UseLakeFormationCredentials'] });
  for (const [key, value] of Object.entries(typed as Record<string, unknown>)) {
    if (NOT_API_MEMBERS.has(key) || key === 'Name') continue;
    input[key] =
      key === 'Schedule' && typeof value === 'object' && value !== null
        ? (value as { ScheduleExpression?: unknown }).ScheduleExpression
        : value;
  }
  return input;
};

const waitUntilReady = async (ctx: ResourceContext, name: string): Promise<void> => {
  const deadline = Date.now() + STOP_WAIT_MS;
  while (Date.now() < deadline) {
    const { Crawler } = (await callService(ctx, 'glue', 'GetCrawler', { Name: name })) as {
      Crawler?: { State?: string };
    };
    if (Crawler?.State === 'READY') return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new ResourceProvisioningError(`Crawler ${name} did not stop within ${STOP_WAIT_MS / 1000} seconds`);
};

/** AWS::Glue::Crawler: a crawler of the local Glue (StartCrawler runs it); Ref is its name. */
export const glueCrawlerProvisioner: Provisioner = throughService('glue', {
  async create(ctx, properties) {
    const name = optionalString(properties, 'Name', ctx) ?? generatedName(ctx, 255);
    await callService(ctx, 'glue', 'CreateCrawler', crawlerInput(properties, name));
    return { physicalId: name, attributes: {} };
  },
  async update(ctx, current, properties) {
    await callService(ctx, 'glue', 'UpdateCrawler', crawlerInput(properties, current.physicalId));
    return { physicalId: current.physicalId, attributes: {} };
  },
  // A running crawl is stopped first: Glue refuses to delete a running crawler.
  async delete(ctx, current) {
    const remove = () => callService(ctx, 'glue', 'DeleteCrawler', { Name: current.physicalId });
    try {
      await remove();
    } catch (error) {
      if (errorCode(error) === 'EntityNotFoundException') return;
      if (errorCode(error) !== 'CrawlerRunningException') throw error;
      await callService(ctx, 'glue', 'StopCrawler', { Name: current.physicalId }).catch(
        ignoreNotFound('CrawlerNotRunningException', 'CrawlerStoppingException'),
      );
      await waitUntilReady(ctx, current.physicalId);
      await remove().catch(ignoreNotFound('EntityNotFoundException'));
    }
  },
});
