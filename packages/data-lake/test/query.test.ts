import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CatalogError, LocalCatalog, crawl, queryCatalog } from '@glue-cd/data-lake';
import { columnValues, copySampleInto, makeTempDir, readSampleCsv } from './sample';

describe('queryCatalog', () => {
  it('answers SQL over <database>.<table> views with plain JS numbers', async () => {
    const dir = await makeTempDir('query');
    const folder = await copySampleInto(dir);
    const catalog = await LocalCatalog.open(join(dir, 'state'));
    await crawl({ catalog, databaseName: 'taxi_raw', path: folder });
    const sample = await readSampleCsv();
    const vendorTwo = columnValues(sample, 'VendorID').filter((value) => value === '2').length;

    const rows = await queryCatalog(
      catalog,
      'SELECT count(*) AS records, count_if(vendorid = 2) AS vendor_two FROM "taxi_raw"."yellow_tripdata"',
    );
    expect(rows).toEqual([{ records: sample.rows.length, vendor_two: vendorTwo }]);
    // the default database resolves unqualified names, as Athena's QueryExecutionContext does
    expect(
      await queryCatalog(catalog, 'SELECT count(*) AS records FROM yellow_tripdata', { defaultDatabase: 'taxi_raw' }),
    ).toEqual([{ records: sample.rows.length }]);
    const [first] = await queryCatalog(
      catalog,
      'SELECT min(pickup_datetime) AS first_pickup FROM taxi_raw.yellow_tripdata',
    );
    expect(first?.first_pickup).toBe(
      `${[...columnValues(sample, 'pickup_datetime')].sort()[0]?.replace(' ', 'T')}.000Z`,
    );
  });

  it('reads a catalogued table whose folder has been emptied as zero rows, like Athena', async () => {
    const dir = await makeTempDir('query-empty');
    const catalog = await LocalCatalog.open(join(dir, 'state'));
    await catalog.putTable('db', {
      name: 'gone',
      location: join(dir, 'gone'),
      format: 'parquet',
      columns: [{ name: 'fare', type: 'decimal(10,2)' }],
    });
    await mkdir(join(dir, 'gone'));
    expect(await queryCatalog(catalog, 'SELECT count(*) AS records, sum(fare) AS fares FROM db.gone')).toEqual([
      { records: 0, fares: null },
    ]);
  });

  it('names an unknown default database', async () => {
    const catalog = await LocalCatalog.open(await makeTempDir('query-unknown'));
    await expect(queryCatalog(catalog, 'SELECT 1', { defaultDatabase: 'nope' })).rejects.toThrow(CatalogError);
  });
});
