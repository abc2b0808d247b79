import { parseS3Url } from '@glue-cd/core';
import { SqlQueryError } from '@glue-cd/data-lake';
import type { ObjectStore } from '../contracts';
import type { ServicePrincipal } from '../iam/service-principals';
import { invalidRequest } from './errors';
import { asOutputDenial, PERMISSION_DENIED } from './query-denials';
import { decodeCsv, decodeText, type ResultRow } from './results-file';
import type { StatementType } from './statements';

const CACHED_RESULTS = 20;

/**
 * Where query results live: the result file in the local S3 (the truth, as on Athena), and the rows of the most
 * recent queries kept in memory so GetQueryResults' pages need not parse the file again.
 */
export class QueryResults {
  private readonly results = new Map<string, ResultRow[]>();

  constructor(private readonly objects: ObjectStore) {}

  /** The result file, written as the query's caller (Athena locates the output bucket first). */
  async write(url: string, body: string, principal: ServicePrincipal): Promise<void> {
    const location = parseS3Url(url);
    if (!location || !(await this.objects.bucketExists(location.bucket))) {
      throw new SqlQueryError(PERMISSION_DENIED, `Unable to verify/create output bucket ${location?.bucket ?? url}`);
    }
    await asOutputDenial(
      url,
      (async () => {
        await principal.require('s3', 'GetBucketLocation', { Bucket: location.bucket });
        await principal.require('s3', 'PutObject', { Bucket: location.bucket, Key: location.key });
      })(),
    );
    await this.objects.putObject(location.bucket, location.key, Buffer.from(body, 'utf8'));
  }

  cache(id: string, rows: ResultRow[]): void {
    this.results.set(id, rows);
    for (const key of this.results.keys()) {
      if (this.results.size <= CACHED_RESULTS) break;
      this.results.delete(key);
    }
  }

  /** Every row GetQueryResults pages through (for SELECT, the column names first), read back from the result file. */
  async rows(id: string, url: string, statementType: StatementType): Promise<ResultRow[]> {
    const cached = this.results.get(id);
    if (cached) return cached;
    const location = parseS3Url(url);
    const body =
      location && (await this.objects.bucketExists(location.bucket))
        ? await this.objects.getObject(location.bucket, location.key)
        : undefined;
    if (!body) throw invalidRequest(`The result file of query ${id} is no longer at ${url}`);
    const text = Buffer.from(body).toString('utf8');
    const rows = statementType === 'UTILITY' ? decodeText(text) : decodeCsv(text);
    this.cache(id, rows);
    return rows;
  }
}
