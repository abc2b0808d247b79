import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DataSourceError,
  LocalCatalog,
  crawl,
  glueTableName,
  runMappingJob,
  loadColumnMapping,
} from '@glue-cd/data-lake';
import { MAPPING_FILE, copySampleInto, makeTempDir, readSampleCsv } from './sample';

describe('crawl', () => {
  it('infers the real sample as a CSV table named after its folder, with its columns and record count', async () => {
    const dir = await makeTempDir('crawl');
    const folder = await copySampleInto(join(dir, 'raw', 'nyc-taxi'));
    const catalog = await LocalCatalog.open(join(dir, 'state'));
    const sample = await readSampleCsv();

    const table = await crawl({ catalog, databaseName: 'taxi_raw', path: folder });

    expect(table).toMatchObject({
      name: 'yellow_tripdata',
      format: 'csv',
      location: folder,
      recordCount: sample.rows.length,
    });
    expect(table.columns.map((column) => column.name)).toEqual(sample.header.map((name) => name.toLowerCase()));
    const typeOf = (name: string) => table.columns.find((column) => column.name === name)?.type;
    expect([
      typeOf('vendorid'),
      typeOf('pickup_datetime'),
      typeOf('trip_distance'),
      typeOf('store_and_fwd_flag'),
    ]).toEqual(['bigint', 'timestamp', 'double', 'string']);
    // persisted: a fresh catalog from the same state folder knows the table
    expect((await LocalCatalog.open(join(dir, 'state'))).getTable('taxi_raw', 'yellow_tripdata')).toEqual(table);
  });

  it('infers the job output as a Parquet table with the mapped names and types', async () => {
    const dir = await makeTempDir('crawl-parquet');
    const source = await copySampleInto(dir, 'raw');
    const target = join(dir, 'lake', 'yellow_tripdata');
    const mapping = await loadColumnMapping(MAPPING_FILE);
    const result = await runMappingJob({
      sourcePath: source,
      targetPath: target,
      rejectsPath: join(dir, 'rejects'),
      mapping,
    });
    const catalog = await LocalCatalog.open(join(dir, 'state'));

    const table = await crawl({ catalog, databaseName: 'taxi_lake', path: target, tablePrefix: 'v1_' });

    expect(table).toMatchObject({
      name: 'v1_yellow_tripdata',
      format: 'parquet',
      recordCount: result.transformedRecords,
    });
    expect(table.columns).toEqual(mapping.columns.map((column) => ({ name: column.target, type: column.type })));
  });

  it('names tables like Glue: lower case, anything else becomes _', () => {
    expect(glueTableName('/data/Yellow-Trips 2019')).toBe('yellow_trips_2019');
    expect(glueTableName('/data/trips/', 'raw_')).toBe('raw_trips');
  });

  it('refuses an empty folder, a missing folder and mixed formats, naming the path', async () => {
    const dir = await makeTempDir('crawl-bad');
    const catalog = await LocalCatalog.open(join(dir, 'state'));
    await mkdir(join(dir, 'empty'));
    await expect(crawl({ catalog, databaseName: 'db', path: join(dir, 'empty') })).rejects.toThrow(
      `No data files under ${join(dir, 'empty')}`,
    );
    await expect(crawl({ catalog, databaseName: 'db', path: join(dir, 'missing') })).rejects.toThrow(DataSourceError);
    await mkdir(join(dir, 'mixed'));
    await writeFile(join(dir, 'mixed', 'a.csv'), 'a\n1\n');
    await writeFile(join(dir, 'mixed', 'b.json'), '{}');
    await expect(crawl({ catalog, databaseName: 'db', path: join(dir, 'mixed') })).rejects.toThrow(
      /unknown format.*b\.json/,
    );
    expect(catalog.databases()).toEqual([]);
  });
});
