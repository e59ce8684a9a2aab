// The soak's writer, in its own process: changes the source of truth and then invalidates the cache by key, by tag
// and by prefix (and sometimes changes a value silently, leaving it to the TTL). Every change goes to the
// coordinator with when it was committed and when its invalidation was acknowledged. Invalidations that fail while
// Redis is unreachable are queued by the module; once its pending gauge is back at 0 the writer reports them applied.
// Usage: node writer.js '<WriterConfig JSON>'.
import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { NestFactory } from '@nestjs/core';
import { register } from 'prom-client';
import { CacheManager, CacheModule } from '@datapunk/nestjs-cache';
import { KEY_COUNT, PREFIX_COUNT, TAGS, epochNow, keyName, keysWithPrefix, keysWithTag, range } from './keyspace.js';
import { startSignal, type WriterChange, type WriterConfig, type WriterMessage } from './protocol.js';
import { Source } from './source.js';
import { cacheRedisOptions } from './target.js';

const config = JSON.parse(process.argv[2]) as WriterConfig;
const source = new Source(config.sourceUrl);
const versions = range(KEY_COUNT).map(() => 1);
await source.commit(range(KEY_COUNT).map((k) => ({ k, v: 1, w: epochNow() })));

const app = await NestFactory.createApplicationContext(
  CacheModule.forRoot({ namespace: 'soak', redis: cacheRedisOptions(config.target) }),
  { logger: ['error'] },
);
const cache = app.get(CacheManager);
process.on('disconnect', () => process.exit(0));
process.on('SIGINT', () => undefined);

function send(message: WriterMessage): void {
  if (!process.connected) process.exit(0);
  process.send!(message);
}

async function gauge(name: string): Promise<number> {
  const metric = register.getSingleMetric(name);
  if (!metric) return 0;
  return (await metric.get()).values.filter((sample) => sample.labels.namespace === 'soak').reduce((sum, sample) => sum + sample.value, 0);
}

/** Ids of failed invalidations not yet applied by the module's queue. */
let pending: number[] = [];
let droppedBefore = 0;
const watcher = setInterval(() => void watchQueue(), 25);

async function watchQueue(): Promise<void> {
  // Only ids queued before the gauge is read can be vouched for by it.
  const queued = pending.slice();
  if (queued.length === 0) return;
  if ((await gauge('cache_invalidations_pending')) > 0) return;
  const dropped = await gauge('cache_invalidations_dropped_total');
  send({ type: 'replayed', ids: queued, at: epochNow(), dropped: dropped - droppedBefore });
  droppedBefore = dropped;
  pending = pending.filter((id) => !queued.includes(id));
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

async function change(id: number): Promise<void> {
  const roll = Math.random();
  const how: WriterChange['how'] = roll < 0.4 ? 'key' : roll < 0.6 ? 'tag' : roll < 0.75 ? 'prefix' : 'silent';
  const tag = pick(TAGS);
  const group = Math.floor(Math.random() * PREFIX_COUNT);
  const indexes = how === 'tag' ? keysWithTag(tag) : how === 'prefix' ? keysWithPrefix(group) : [Math.floor(Math.random() * KEY_COUNT)];
  const w = epochNow();
  for (const k of indexes) versions[k]++;
  await source.commit(indexes.map((k) => ({ k, v: versions[k], w })));
  const message: WriterChange = { type: 'change', id, how, keys: indexes.map((k) => [k, versions[k]]), committedAt: epochNow() };
  try {
    if (how === 'key') await cache.invalidate(keyName(indexes[0]));
    else if (how === 'tag') await cache.invalidateTags(tag);
    else if (how === 'prefix') await cache.invalidatePrefix(`g${group}:`);
    if (how !== 'silent') message.ackAt = epochNow();
  } catch (error) {
    message.failed = (error as Error).message.slice(0, 200);
    pending.push(id);
  }
  send(message);
}

send({ type: 'ready' });
const stopAt = await startSignal();
const pauseMs = 1000 / config.rate;
for (let id = 1; epochNow() < stopAt; id++) {
  await change(id);
  await sleep(pauseMs);
}
// The queue gets a moment to apply what is still pending (it retries every 250 ms).
for (let i = 0; i < 40 && pending.length > 0; i++) await sleep(50);
clearInterval(watcher);
send({ type: 'done', unreplayed: pending, dropped: (await gauge('cache_invalidations_dropped_total')) - droppedBefore });
await Promise.race([app.close(), sleep(3000)]);
source.close();
process.exit(0);
