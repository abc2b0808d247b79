import { z } from 'zod';
import { pageByKey } from '../paging';
import { INVALID_INPUT } from './errors';

/** The paging members of Glue's name listings (GetCrawlers, ListJobs, GetCrawlerMetrics …). */
export const NamePageInput = z.object({
  MaxResults: z.number().int().min(1).max(1000).optional(),
  NextToken: z.string().optional(),
});

/** One page of names in order, up to 1000 at a time; a token Glue did not give is an InvalidInputException. */
export const namePage = (names: string[], input: z.infer<typeof NamePageInput>) =>
  pageByKey(names, (name) => name, {
    nextToken: input.NextToken,
    maxResults: input.MaxResults,
    defaultMax: 1000,
    errorCode: INVALID_INPUT,
  });
