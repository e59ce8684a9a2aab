// One app instance of the soak, in its own process: a Nest application context with CacheModule (l1 on, tagged
// entries, refresh-ahead and stale-while-revalidate on part of the keys, a @CacheWarmer) under steady read load. Every
// read goes to the coordinator (process.send) for the checker. Usage: node instance.js '<InstanceConfig JSON>'.
import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { register } from 'prom-client';
import {
  CacheManager,
  CacheModule,
  CacheWarmer,
  type CacheModuleOptions,
  type GetOrSetOptions,
  type WarmEntry,
} from '@datapunk/nestjs-cache';
import { KEY_COUNT, epochNow, keyClass, keyName, keyTags, range, type SourceValue } from './keyspace.js';
import { READ_FLAGS, startSignal, type InstanceConfig, type InstanceMessage, type ReadRecord } from './protocol.js';
import { Source } from './source.js';
import { cacheRedisOptions } from './target.js';

const config = JSON.parse(process.argv[2]) as InstanceConfig;
const { timing } = config;
const SOURCE = Symbol('source');
const WORKERS = 4;
/** Reads favour a hot set, as real traffic does, so l1 and refresh-ahead have something to do. */
const HOT_KEYS = 40;

function readOptions(index: number): GetOrSetOptions<SourceValue> {
  const base = { ttl: timing.ttlMs, tags: keyTags(index) };
  const kind = keyClass(index);
  if (kind === 'refreshAhead') return { ...base, refreshAhead: true };
  if (kind === 'staleWhileRevalidate') return { ...base, staleWhileRevalidate: timing.swrMs };
  return base;
}

@Injectable()
class SoakWarmer {
  constructor(@Inject(SOURCE) private readonly source: Source) {}

  @CacheWarmer()
  everyKey(): WarmEntry[] {
    return range(KEY_COUNT).map((index) => ({
      key: keyName(index),
      loader: () => this.source.load(index),
      ttl: timing.ttlMs,
      tags: keyTags(index),
    }));
  }
}

function appModule(source: Source): Type {
  const options: CacheModuleOptions = {
    namespace: 'soak',
    redis: cacheRedisOptions(config.target),
    defaultTtl: timing.ttlMs,
    l1: config.mustGoStale
      ? { coherence: 'ttl', ttl: timing.ttlMs, maxStaleness: timing.l1MaxStalenessMs }
      : { maxStaleness: timing.l1MaxStalenessMs },
    warming: { concurrency: 8 },
  };
  @Module({ imports: [CacheModule.forRoot(options)], providers: [{ provide: SOURCE, useValue: source }, SoakWarmer] })
  class SoakInstanceModule {}
  return SoakInstanceModule;
}

function send(message: InstanceMessage): void {
  // The coordinator is gone (its IPC channel closed): nothing left to report to.
  if (!process.connected) process.exit(0);
  process.send!(message);
}

async function l1Hits(): Promise<number> {
  const metric = register.getSingleMetric('cache_l1_hits_total');
  if (!metric) return 0;
  return (await metric.get()).values.reduce((sum, sample) => sum + sample.value, 0);
}

const source = new Source(config.sourceUrl);
const app = await NestFactory.createApplicationContext(appModule(source), { logger: ['error'] });
const cache = app.get(CacheManager);
process.on('disconnect', () => process.exit(0));
process.on('SIGINT', () => undefined); // the coordinator decides when this instance stops

const reads: ReadRecord[] = [];
const memory: Array<[number, number, number]> = [];
const errorSamples: string[] = [];

async function readOnce(): Promise<void> {
  const index = Math.random() < 0.7 ? Math.floor(Math.random() * HOT_KEYS) : Math.floor(Math.random() * KEY_COUNT);
  const viaGetOrSet = Math.random() < 0.75;
  let loaded = false;
  let flags = viaGetOrSet ? READ_FLAGS.getOrSet : 0;
  let value: SourceValue | undefined;
  const startedAt = epochNow();
  try {
    value = viaGetOrSet
      ? await cache.getOrSet(keyName(index), () => ((loaded = true), source.load(index)), readOptions(index))
      : await cache.get<SourceValue>(keyName(index));
  } catch (error) {
    flags |= READ_FLAGS.error;
    if (viaGetOrSet && errorSamples.length < 5) errorSamples.push(String((error as Error).stack ?? error).slice(0, 600));
  }
  const durationMs = epochNow() - startedAt;
  if (value !== undefined && value !== null && !loaded && value.r < startedAt) flags |= READ_FLAGS.hit;
  if (value !== undefined && value !== null && value.k !== index) flags |= READ_FLAGS.wrongKey;
  reads.push([index, value?.v ?? -1, value?.r ?? 0, startedAt, durationMs, flags]);
}

async function worker(): Promise<void> {
  const pauseMs = (WORKERS * 1000) / config.rate;
  while (epochNow() < stopAt) {
    await readOnce();
    await sleep(pauseMs);
  }
}

async function reportNow(): Promise<void> {
  const mem = process.memoryUsage();
  memory.push([epochNow(), mem.rss, mem.heapUsed]);
  send({
    type: 'report',
    instance: config.id,
    reads: reads.splice(0),
    loads: source.loads.splice(0),
    memory: memory.splice(0),
    errorSamples: errorSamples.splice(0),
    l1Hits: await l1Hits(),
  });
}

send({ type: 'ready', instance: config.id });
const stopAt = await startSignal();
const reporter = setInterval(() => void reportNow(), 250);
await Promise.all(range(WORKERS).map(() => worker()));
clearInterval(reporter);
await reportNow();
send({ type: 'done', instance: config.id });
// Closing waits for warm loads and the clients; a Redis still hung must not keep this process alive.
await Promise.race([app.close(), sleep(3000)]);
source.close();
process.exit(0);
