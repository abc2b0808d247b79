import { inferTable, tableFiles } from '@glue-cd/data-lake';
import { LOCAL_ACCOUNT_ID, type ObjectStore } from '../contracts';
import {
  type AuthorizeAs,
  requireS3Read,
  roleSession,
  SERVICE_SESSIONS,
  servicePrincipal,
} from '../iam/service-principals';
import { resolveS3Url } from '../s3/s3-url';
import type { GlueCatalog, TableInput } from './catalog';
import { crawledTableInput } from './crawled-table';
import type { GlueCrawler } from './crawler-definitions';

/** How a crawl changed the catalog: tables created, updated and deleted. */
export interface CrawlCounts {
  created: number;
  updated: number;
  deleted: number;
}

/** What a crawl reads and writes (the local S3 and the catalog), and who judges it as the crawler's role. */
export interface CrawlDeps {
  catalog: GlueCatalog;
  objects: ObjectStore;
  /** Judges what a crawl does as the crawler's role (IAM off: allows everything). */
  authorizeAs: AuthorizeAs;
}

const roleName = (role: string): string => role.slice(role.lastIndexOf('/') + 1);

/**
 * One crawl: every S3 target becomes (or updates) one table of the crawler's database. It acts as the crawler's
 * Role: every S3 read and catalog write is judged before the catalog is touched, so a denial writes nothing.
 */
export async function crawl(crawler: GlueCrawler, deps: CrawlDeps, signal: AbortSignal): Promise<CrawlCounts> {
  const counts: CrawlCounts = { created: 0, updated: 0, deleted: 0 };
  await new Promise((resolve) => setImmediate(resolve)); // StartCrawler answers before the crawl begins
  const databaseName = crawler.DatabaseName;
  if (!databaseName) throw new Error(`Crawler ${crawler.Name} has no DatabaseName to write its tables to`);
  const principal = servicePrincipal(deps.authorizeAs, roleSession(crawler.Role, SERVICE_SESSIONS.crawler));
  await principal.require('glue', 'GetDatabase', { Name: databaseName });
  if (!deps.catalog.hasDatabase(databaseName)) {
    throw new Error(`Database ${databaseName} does not exist (Service: AWSGlue; Error Code: EntityNotFoundException)`);
  }
  await principal.require('glue', 'GetTables', { DatabaseName: databaseName });
  const policy = crawler.SchemaChangePolicy ?? {};
  const deleteBehavior = policy.DeleteBehavior ?? 'DEPRECATE_IN_DATABASE';
  const update = (policy.UpdateBehavior ?? 'UPDATE_IN_DATABASE') === 'UPDATE_IN_DATABASE';
  const plans: { location: string; table?: TableInput }[] = [];
  for (const target of crawler.Targets.S3Targets ?? []) {
    if (signal.aborted) break;
    const folder = await resolveS3Url(deps.objects, target.Path);
    const location = `s3://${folder.bucket}/${folder.key === '' ? '' : `${folder.key}/`}`;
    await requireS3Read(principal, deps.objects, folder, { locate: true });
    const { files } = await tableFiles(folder.path);
    if (files.length === 0) {
      for (const table of crawledTablesAt(deps.catalog, databaseName, location, crawler.Name)) {
        if (deleteBehavior === 'DELETE_FROM_DATABASE')
          await principal.require('glue', 'DeleteTable', { DatabaseName: databaseName, Name: table.Name });
        if (deleteBehavior === 'DEPRECATE_IN_DATABASE')
          await principal.require('glue', 'UpdateTable', { DatabaseName: databaseName, TableInput: table });
      }
      plans.push({ location });
      continue;
    }
    const table = crawledTableInput(await inferTable(folder.path, crawler.TablePrefix), location, crawler.Name);
    await principal.require('glue', 'GetTable', { DatabaseName: databaseName, Name: table.Name });
    const exists = deps.catalog.findTable(databaseName, table.Name) !== undefined;
    if (!exists || update)
      await principal.require('glue', exists ? 'UpdateTable' : 'CreateTable', {
        DatabaseName: databaseName,
        TableInput: table,
      });
    plans.push({ location, table });
  }
  for (const { location, table } of plans) {
    if (!table) {
      counts.deleted += forgetTablesAt(deps.catalog, databaseName, location, crawler, deleteBehavior);
      continue;
    }
    const outcome = deps.catalog.putCrawledTable(databaseName, table, {
      update,
      createdBy: `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/${roleName(crawler.Role)}/${SERVICE_SESSIONS.crawler}`,
    });
    if (outcome === 'created') counts.created += 1;
    if (outcome === 'updated') counts.updated += 1;
  }
  return counts;
}

/** The tables this crawler wrote for `location`. */
const crawledTablesAt = (catalog: GlueCatalog, databaseName: string, location: string, crawlerName: string) =>
  catalog
    .tables(databaseName)
    .filter(
      (table) => table.StorageDescriptor?.Location === location && table.Parameters?.UPDATED_BY_CRAWLER === crawlerName,
    );

/** A target whose data is gone: its table is deleted, deprecated or kept, per the DeleteBehavior. */
function forgetTablesAt(
  catalog: GlueCatalog,
  databaseName: string,
  location: string,
  crawler: GlueCrawler,
  behavior: string,
): number {
  if (behavior === 'LOG') return 0;
  const tables = crawledTablesAt(catalog, databaseName, location, crawler.Name);
  for (const table of tables) {
    if (behavior === 'DELETE_FROM_DATABASE') catalog.deleteTable(databaseName, table.Name);
    else catalog.setTableParameters(databaseName, table.Name, { DEPRECATED_BY_CRAWLER: crawler.Name });
  }
  return behavior === 'DELETE_FROM_DATABASE' ? tables.length : 0;
}
