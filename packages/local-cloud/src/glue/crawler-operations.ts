import { z } from 'zod';
import { parseInput } from '../json-input';
import type { JsonOperation } from '../json-protocol';
import { CreateCrawlerSchema, Name, UpdateCrawlerSchema } from './crawler-definitions';
import type { GlueCrawlers } from './crawlers';
import { INVALID_INPUT } from './errors';
import { namePage, NamePageInput } from './name-page';

const median = (values: number[]): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** The crawler operations of the Glue JSON API: validate the input, call the crawlers, shape the answer. */
export const crawlerOperations = (crawlers: GlueCrawlers): Record<string, JsonOperation> => {
  const parse = <T extends z.ZodType>(schema: T, input: unknown): z.infer<T> =>
    parseInput(schema, input, INVALID_INPUT);
  const names = (): string[] => crawlers.names();
  // Get*/List* page through the names in order, up to 1000 at a time.
  const namesPage = (raw: unknown) => namePage(names(), parse(NamePageInput, raw));
  return {
    CreateCrawler: async (raw) => {
      crawlers.create(parse(CreateCrawlerSchema, raw));
      return {};
    },
    GetCrawler: async (raw) => ({ Crawler: crawlers.get(parse(z.object({ Name }), raw).Name) }),
    GetCrawlers: async (raw) => {
      const page = namesPage(raw);
      return {
        Crawlers: page.items.map((name) => crawlers.get(name)),
        ...(page.nextToken ? { NextToken: page.nextToken } : {}),
      };
    },
    BatchGetCrawlers: async (raw) => {
      const input = parse(z.object({ CrawlerNames: z.array(Name).max(100) }), raw);
      const known = input.CrawlerNames.filter((name) => crawlers.has(name));
      return {
        Crawlers: known.map((name) => crawlers.get(name)),
        CrawlersNotFound: input.CrawlerNames.filter((name) => !crawlers.has(name)),
      };
    },
    ListCrawlers: async (raw) => {
      const page = namesPage(raw);
      return { CrawlerNames: page.items, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
    },
    UpdateCrawler: async (raw) => {
      crawlers.update(parse(UpdateCrawlerSchema, raw));
      return {};
    },
    DeleteCrawler: async (raw) => {
      crawlers.delete(parse(z.object({ Name }), raw).Name);
      return {};
    },
    StartCrawler: async (raw) => {
      crawlers.start(parse(z.object({ Name }), raw).Name);
      return {};
    },
    StopCrawler: async (raw) => {
      crawlers.stop(parse(z.object({ Name }), raw).Name);
      return {};
    },
    GetCrawlerMetrics: async (raw) => {
      const input = parse(NamePageInput.extend({ CrawlerNameList: z.array(Name).max(100).optional() }), raw);
      const selected = input.CrawlerNameList
        ? names().filter((name) => input.CrawlerNameList!.includes(name))
        : names();
      const page = namePage(selected, input);
      return {
        CrawlerMetricsList: page.items.map((name) => {
          const { runtimes, lastRun } = crawlers.history(name);
          return {
            CrawlerName: name,
            TimeLeftSeconds: 0,
            StillEstimating: false,
            LastRuntimeSeconds: runtimes.at(-1) ?? 0,
            MedianRuntimeSeconds: median(runtimes),
            TablesCreated: lastRun?.created ?? 0,
            TablesUpdated: lastRun?.updated ?? 0,
            TablesDeleted: lastRun?.deleted ?? 0,
          };
        }),
        ...(page.nextToken ? { NextToken: page.nextToken } : {}),
      };
    },
  };
};
