import { randomUUID } from 'node:crypto';
import { epochSeconds, jsonCopy } from '../json-input';
import type { JsonOperation } from '../json-protocol';
import { readJsonState, stateFile, writeJsonState } from '../persistence';
import { crawl, type CrawlCounts, type CrawlDeps } from './crawl';
import {
  checkTargets,
  type CreateCrawlerInput,
  type GlueCrawler,
  type UpdateCrawlerInput,
} from './crawler-definitions';
import { crawlerOperations } from './crawler-operations';
import { alreadyExists, crawlerNotRunning, crawlerRunning, crawlerStopping, entityNotFound } from './errors';

export type { GlueCrawler } from './crawler-definitions';

interface CrawlerRecord {
  crawler: GlueCrawler;
  /** Seconds each finished crawl took (for GetCrawlerMetrics' median), newest last. */
  runtimes: number[];
  lastRun?: CrawlCounts;
}

interface CrawlerState {
  crawlers: Record<string, CrawlerRecord>;
}

type CrawlOutcome = { status: 'SUCCEEDED' | 'CANCELLED'; counts?: CrawlCounts } | { status: 'FAILED'; error: string };

interface RunningCrawl {
  startedAt: number;
  controller: AbortController;
  done: Promise<void>;
}

const LOG_GROUP = '/aws-glue/crawlers';
const RUNTIMES_KEPT = 20;
const INTERRUPTED = 'The local cloud stopped while this crawler was running';

/**
 * Glue crawlers: definitions (persisted in `state/glue-crawlers.json`) and runs. A run infers one table per S3 target
 * with the data-lake engine (DuckDB) over the local S3 folder and writes it to the catalog as a Glue crawler would;
 * it happens in the background (READY → RUNNING → STOPPING → READY) and callers poll GetCrawler, as on AWS.
 */
export class GlueCrawlers {
  private readonly file: string;
  private readonly state: CrawlerState;
  private readonly running = new Map<string, RunningCrawl>();

  constructor(
    stateDir: string,
    private readonly deps: CrawlDeps & { log: (line: string) => void },
  ) {
    this.file = stateFile(stateDir, 'glue-crawlers');
    this.state = readJsonState<CrawlerState>(this.file, { crawlers: {} });
    let interrupted = false;
    for (const record of Object.values(this.state.crawlers)) {
      if (record.crawler.State === 'READY') continue;
      record.crawler.State = 'READY';
      delete record.crawler.CrawlElapsedTime;
      record.crawler.LastCrawl = {
        ...this.newLastCrawl(record.crawler.Name, Date.now()),
        Status: 'FAILED',
        ErrorMessage: INTERRUPTED,
      };
      interrupted = true;
    }
    if (interrupted) this.save();
  }

  private save(): void {
    writeJsonState(this.file, this.state);
  }

  private record(name: string): CrawlerRecord {
    const record = this.state.crawlers[name];
    if (!record) throw entityNotFound(`Crawler entry with name ${name} does not exist`);
    return record;
  }

  private newLastCrawl(name: string, startedAt: number): Omit<NonNullable<GlueCrawler['LastCrawl']>, 'Status'> {
    return {
      LogGroup: LOG_GROUP,
      LogStream: name,
      MessagePrefix: randomUUID(),
      StartTime: epochSeconds(new Date(startedAt)),
    };
  }

  names(): string[] {
    return Object.keys(this.state.crawlers);
  }

  has(name: string): boolean {
    return name in this.state.crawlers;
  }

  /** How the crawler's finished crawls went: seconds each took (newest last), and what the last one changed. */
  history(name: string): { runtimes: number[]; lastRun?: CrawlCounts } {
    const record = this.record(name);
    return jsonCopy({ runtimes: record.runtimes, ...(record.lastRun ? { lastRun: record.lastRun } : {}) });
  }

  /** A crawler's current view (CrawlElapsedTime counts while it runs). */
  get(name: string): GlueCrawler {
    const record = this.record(name);
    const crawler = jsonCopy(record.crawler);
    const run = this.running.get(name);
    if (run) crawler.CrawlElapsedTime = Date.now() - run.startedAt;
    return crawler;
  }

  create(input: CreateCrawlerInput): void {
    if (this.state.crawlers[input.Name]) throw alreadyExists(`${input.Name} already exists`);
    checkTargets(input.Targets);
    const now = epochSeconds();
    const { Tags: _tags, Schedule, ...definition } = input;
    this.state.crawlers[input.Name] = {
      crawler: {
        ...definition,
        State: 'READY',
        ...(Schedule ? { Schedule: { ScheduleExpression: Schedule, State: 'SCHEDULED' } } : {}),
        CreationTime: now,
        LastUpdated: now,
        Version: 1,
      },
      runtimes: [],
    };
    this.save();
  }

  update(input: UpdateCrawlerInput): void {
    const record = this.record(input.Name);
    if (record.crawler.State !== 'READY') throw crawlerRunning(input.Name);
    if (input.Targets) checkTargets(input.Targets);
    const { Schedule, Name: _name, ...changes } = input;
    record.crawler = {
      ...record.crawler,
      ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)),
      ...(Schedule !== undefined
        ? Schedule === ''
          ? { Schedule: undefined }
          : { Schedule: { ScheduleExpression: Schedule, State: 'SCHEDULED' as const } }
        : {}),
      LastUpdated: epochSeconds(),
      Version: record.crawler.Version + 1,
    };
    if (record.crawler.Schedule === undefined) delete record.crawler.Schedule;
    this.save();
  }

  delete(name: string): void {
    const record = this.record(name);
    if (record.crawler.State !== 'READY') throw crawlerRunning(name);
    delete this.state.crawlers[name];
    this.save();
  }

  start(name: string): void {
    const record = this.record(name);
    if (record.crawler.State !== 'READY') throw crawlerRunning(name);
    const startedAt = Date.now();
    const controller = new AbortController();
    record.crawler.State = 'RUNNING';
    this.save();
    this.deps.log(`[local-cloud] glue crawler ${name}: RUNNING`);
    const done = crawl(record.crawler, this.deps, controller.signal).then(
      (counts) =>
        this.finish(
          name,
          startedAt,
          controller.signal.aborted ? { status: 'CANCELLED', counts } : { status: 'SUCCEEDED', counts },
        ),
      (error: unknown) =>
        this.finish(
          name,
          startedAt,
          controller.signal.aborted ? { status: 'CANCELLED' } : { status: 'FAILED', error: (error as Error).message },
        ),
    );
    this.running.set(name, { startedAt, controller, done });
  }

  stop(name: string): void {
    const record = this.record(name);
    if (record.crawler.State === 'STOPPING') throw crawlerStopping(name);
    const run = this.running.get(name);
    if (record.crawler.State !== 'RUNNING' || !run) throw crawlerNotRunning(name);
    record.crawler.State = 'STOPPING';
    this.save();
    run.controller.abort();
  }

  private finish(name: string, startedAt: number, outcome: CrawlOutcome): void {
    this.running.delete(name);
    const record = this.state.crawlers[name];
    if (!record) return;
    record.crawler.State = 'READY';
    delete record.crawler.CrawlElapsedTime;
    record.crawler.LastCrawl = {
      ...this.newLastCrawl(name, startedAt),
      Status: outcome.status,
      ...(outcome.status === 'FAILED' ? { ErrorMessage: outcome.error } : {}),
    };
    record.runtimes = [...record.runtimes, (Date.now() - startedAt) / 1000].slice(-RUNTIMES_KEPT);
    record.lastRun = (outcome.status !== 'FAILED' && outcome.counts) || { created: 0, updated: 0, deleted: 0 };
    this.save();
    this.deps.log(
      `[local-cloud] glue crawler ${name}: ${outcome.status}${outcome.status === 'FAILED' ? ` (${outcome.error})` : ''}`,
    );
  }

  /** Stops every running crawl and waits until each has ended (CANCELLED). */
  async close(): Promise<void> {
    const runs = [...this.running.entries()];
    for (const [name, run] of runs) {
      const record = this.state.crawlers[name];
      if (record?.crawler.State === 'RUNNING') record.crawler.State = 'STOPPING';
      run.controller.abort();
    }
    await Promise.all(runs.map(([, run]) => run.done));
  }

  operations(): Record<string, JsonOperation> {
    return crawlerOperations(this);
  }
}
