import { Redis } from 'ioredis';
import { CacheError, type CacheManager } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { heapUsedAfterGc } from '../support/heap-used.js';
import { RedisServer } from '../support/redis-server.js';
import { waitUntil } from '../support/wait-until.js';
import { metricValue } from './fault-harness.js';

const MiB = 1024 * 1024;

/** `count` distinct keys of about 1,000 characters: what an invalidate() of a large batch holds while it is kept. */
function longKeys(call: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `long:${call}:${i}:${'x'.repeat(1000)}`);
}

function pendingCount(namespace: string): Promise<number> {
  return metricValue('cache_invalidations_pending', { namespace });
}

/**
 * The queue of invalidations kept while Redis is down is bounded by keys and bytes, not only by calls; past a bound it
 * collapses into one invalidation of the whole namespace, which stays correct: nothing of the namespace is served from
 * the cache until Redis is back and the namespace's entries from before the last failed call are gone.
 */
describe('faults: the pending-invalidation queue is bounded by keys and bytes', () => {
  it('40 calls of 2,000 long keys while Redis is down: the heap kept stays under maxBytes, nothing stale is served, all gone after', async () => {
    const namespace = 'bounded-bytes';
    const maxBytes = 8 * MiB;
    const server = await RedisServer.start(['--appendonly', 'yes', '--appendfsync', 'always']);
    const { module, cache } = await bootCache({
      namespace,
      redis: { url: server.url },
      operationTimeout: 200,
      invalidationQueue: { maxBytes },
    });
    const raw = new Redis(server.port, '127.0.0.1', { lazyConnect: true });
    try {
      await cache.mset(['seen:1', 'seen:2', 'untouched'].map((key) => ({ key, value: `old ${key}` })));
      await server.stop();

      const baseline = heapUsedAfterGc();
      let kept = 0;
      for (let call = 0; call < 40; call++) {
        const keys = longKeys(call, 2000);
        if (call === 0) keys.push('seen:1', 'seen:2');
        await expect(cache.invalidate(keys)).rejects.toBeInstanceOf(CacheError);
        // Every call while the queue grows to its bound, then every tenth (a full collection takes ~0.5 s here).
        if (call < 5 || call % 10 === 9) kept = Math.max(kept, heapUsedAfterGc() - baseline);
      }
      console.log(
        `faults: 40 invalidate() calls of 2,000 keys of 1,013 characters during an outage: at most ${(kept / MiB).toFixed(1)} MiB kept (maxBytes ${maxBytes / MiB} MiB)`,
      );
      expect(kept).toBeLessThan(maxBytes);
      expect(await metricValue('cache_invalidations_collapsed_total', { namespace, reason: 'bytes' })).toBe(1);
      expect(await pendingCount(namespace)).toBe(1); // the collapsed queue

      // Answered without Redis: the whole namespace stands invalidated, keys no call named included.
      expect(await cache.get('untouched')).toBeUndefined();
      expect(await cache.getOrSet('seen:1', () => 'fresh while down')).toBe('fresh while down');

      await server.launch(); // the old values are back (AOF); the replay comes once the client reconnects
      await expectNoOldValue(cache);
      await waitUntil('the collapsed queue to replay', 10_000, async () => (await pendingCount(namespace)) === 0);
      await raw.connect();
      expect(await raw.keys(`${namespace}:*`)).toEqual([]); // every entry from before the outage, covered or not
      expect(await cache.getOrSet('seen:1', () => 'new')).toBe('new');
      expect(await cache.get('seen:1')).toBe('new'); // stored again once nothing is pending
    } finally {
      raw.disconnect();
      await module.close();
      await server.dispose();
    }
  });

  it('many short keys: past maxKeys the queue collapses (counted), and a lock of the namespace outlives the replay', async () => {
    const namespace = 'bounded-keys';
    const server = await RedisServer.start(['--appendonly', 'yes', '--appendfsync', 'always']);
    const { module, cache } = await bootCache({
      namespace,
      redis: { url: server.url },
      operationTimeout: 200,
      invalidationQueue: { maxKeys: 1000 },
    });
    try {
      await cache.mset(['k:1', 'other'].map((key) => ({ key, value: 'old' })));
      const raw = new Redis(server.port, '127.0.0.1');
      await raw.set(`${namespace}:__lock__:held`, 'another instance', 'PX', 60_000);
      raw.disconnect();
      await server.stop();

      for (let call = 0; call < 3; call++) {
        const keys = Array.from({ length: 400 }, (_, i) => `k:${call * 400 + i}`);
        await expect(cache.invalidate(keys)).rejects.toBeInstanceOf(CacheError);
      }
      expect(await metricValue('cache_invalidations_collapsed_total', { namespace, reason: 'keys' })).toBe(1);
      expect(await cache.get('other')).toBeUndefined(); // answered without Redis: the namespace stands invalidated

      await server.launch();
      await waitUntil('the collapsed queue to replay', 10_000, async () => (await pendingCount(namespace)) === 0);
      const after = new Redis(server.port, '127.0.0.1');
      expect(await after.keys(`${namespace}:*`)).toEqual([`${namespace}:__lock__:held`]); // entries gone, the package's own key kept
      after.disconnect();
    } finally {
      await module.close();
      await server.dispose();
    }
  });
  it('a versioned namespace keeps its clearVersion of another version queued when it collapses: both are applied', async () => {
    const server = await RedisServer.start(['--appendonly', 'yes', '--appendfsync', 'always']);
    const { module, cache } = await bootCache({
      namespace: 'bounded-versions',
      version: 3,
      redis: { url: server.url },
      operationTimeout: 200,
      invalidationQueue: { maxEntries: 2 },
    });
    try {
      await cache.mset(['a', 'b', 'c'].map((key) => ({ key, value: 'v3' })));
      const raw = new Redis(server.port, '127.0.0.1');
      await raw.set('bounded-versions:v2:old', 'left by version 2');
      raw.disconnect();
      await server.stop();

      await expect(cache.clearVersion(2)).rejects.toBeInstanceOf(CacheError);
      for (const key of ['a', 'b']) await expect(cache.invalidate(key)).rejects.toBeInstanceOf(CacheError);
      expect(await metricValue('cache_invalidations_collapsed_total', { namespace: 'bounded-versions', reason: 'entries' })).toBe(1);
      expect(await cache.get('c')).toBeUndefined(); // the namespace stands invalidated

      await server.launch();
      await waitUntil('the queue to replay', 10_000, async () => (await pendingCount('bounded-versions')) === 0);
      const after = new Redis(server.port, '127.0.0.1');
      expect(await after.keys('bounded-versions:*')).toEqual([]);
      after.disconnect();
    } finally {
      await module.close();
      await server.dispose();
    }
  });
});

/**
 * Right after Redis is back, before or after the replay (whichever the scheduler gives): no read serves an entry from
 * before the outage, and a read-through serves what its loader returns.
 */
async function expectNoOldValue(cache: CacheManager): Promise<void> {
  for (const key of ['seen:2', 'untouched']) expect(await cache.get(key).catch(() => undefined)).toBeUndefined();
  expect(await cache.getOrSet('untouched', () => 'fresh')).toBe('fresh');
  expect(['fresh', undefined]).toContain(await cache.get('untouched').catch(() => undefined));
}
