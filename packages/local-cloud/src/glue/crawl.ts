import { inferTable, tableFiles } from '@glue-cd/data-lake';
import { LOCAL_ACCOUNT_ID, type ObjectStore } from '../contracts';
import { resolveS3Url } from '../s3/s3-url';
import type { GlueCatalog } from './catalog';
import { crawledTableInput } from './crawled-table';
import type { GlueCrawler } from './crawler-definitions';

/** How a crawl changed the catalog: tables created, updated and deleted. */
export interface CrawlCounts {
  created: number;
  updated: number;
  deleted: number;
}

/** What a crawl reads and writes: the local S3 and the catalog. */
export interface CrawlDeps {
  catalog: GlueCatalog;
  objects: ObjectStore;
}

const roleName = (role: string): string => role.slice(role.lastIndexOf('/') + 1);

/** One crawl: every S3 target becomes (or updates) one table of the crawler's database. */
export async function crawl(crawler: GlueCrawler, deps: CrawlDeps, signal: AbortSignal): Promise<CrawlCounts> {
  const counts: CrawlCounts = { created: 0, updated: 0, deleted: 0 };
  await new Promise((resolve) => setImmediate(resolve)); // StartCrawler answers before the crawl begins
  const databaseName = crawler.DatabaseName;
  if (!databaseName) throw new Error(`Crawler ${crawler.Name} has no DatabaseName to write its tables to`);
  if (!deps.catalog.hasDatabase(databaseName)) {
    throw new Error(`Database ${databaseName} does not exist (Service: AWSGlue; Error Code: EntityNotFoundException)`);
  }
  const policy = crawler.SchemaChangePolicy ?? {};
  for (const target of crawler.Targets.S3Targets ?? []) {
    if (signal.aborted) break;
    const folder = await resolveS3Url(deps.objects, target.Path);
    const location = `s3://${folder.bucket}/${folder.key === '' ? '' : `${folder.key}/`}`;
    const { files } = await tableFiles(folder.path);
    if (files.length === 0) {
      counts.deleted += forgetTablesAt(
        deps.catalog,
        databaseName,
        location,
        crawler,
        policy.DeleteBehavior ?? 'DEPRECATE_IN_DATABASE',
      );
      continue;
    }
    const inferred = await inferTable(folder.path, crawler.TablePrefix);
    const outcome = deps.catalog.putCrawledTable(databaseName, crawledTableInput(inferred, location, crawler.Name), {
      update: (policy.UpdateBehavior ?? 'UPDATE_IN_DATABASE') === 'UPDATE_IN_DATABASE',
      createdBy: `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/${roleName(crawler.Role)}/AWS-Crawler`,
    });
    if (outcome === 'created') counts.created += 1;
    if (outcome === 'updated') counts.updated += 1;
  }
  return counts;
}

/** A target whose data is gone: its table is deleted, deprecated or kept, per the DeleteBehavior. */
function forgetTablesAt(
  catalog: GlueCatalog,
  databaseName: string,
  location: string,
  crawler: GlueCrawler,
  behavior: string,
): number {
  if (behavior === 'LOG') return 0;
  const tables = catalog
    .tables(databaseName)
    .filter(
      (table) =>
        table.StorageDescriptor?.Location === location && table.Parameters?.UPDATED_BY_CRAWLER === crawler.Name,
    );
  for (const table of tables) {
    if (behavior === 'DELETE_FROM_DATABASE') catalog.deleteTable(databaseName, table.Name);
    else catalog.setTableParameters(databaseName, table.Name, { DEPRECATED_BY_CRAWLER: crawler.Name });
  }
  return behavior === 'DELETE_FROM_DATABASE' ? tables.length : 0;
}
