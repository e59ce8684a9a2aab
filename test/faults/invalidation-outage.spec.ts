import { CacheError } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { RedisServer } from '../support/redis-server.js';
import { waitUntil } from '../support/wait-until.js';
import { metricValue } from './fault-harness.js';

/**
 * Invalidations that fail while Redis is down are kept and applied once it is back; meanwhile what they cover is
 * not served from the cache. The server keeps its data across the restart (AOF), as a real one would.
 */
describe('faults: invalidations survive a Redis outage', () => {
  it('a failed invalidation is replayed after the restart, and nothing it covers is served meanwhile', async () => {
    const server = await RedisServer.start(['--appendonly', 'yes', '--appendfsync', 'always']);
    const { module, cache } = await bootCache({ namespace: 'replay', redis: { url: server.url }, operationTimeout: 200 });
    try {
      await cache.set('product:1', 'old price');
      await cache.set('page:cat', 'old listing', { tags: ['category:1'] });
      await cache.set('list:a', 'old a');
      await cache.set('untouched', 'still good');
      await server.stop();

      await expect(cache.invalidate('product:1')).rejects.toBeInstanceOf(CacheError);
      await expect(cache.invalidateTags('category:1')).rejects.toBeInstanceOf(CacheError);
      await expect(cache.invalidatePrefix('list:')).rejects.toBeInstanceOf(CacheError);
      expect(await metricValue('cache_invalidations_pending', { namespace: 'replay' })).toBe(3);
      expect(await cache.getOrSet('product:1', () => 'fresh while down')).toBe('fresh while down');

      await server.launch(); // the old values are back (AOF), the invalidations not yet applied
      // Read before the queue replays: the covered keys must not come from the cache.
      expect(await cache.getOrSet('product:1', () => 'fresh')).toBe('fresh');
      expect(await cache.getOrSet('page:cat', () => 'fresh listing', { tags: ['category:1'] })).toBe('fresh listing');
      expect(await cache.get('list:a')).toBeUndefined(); // answered without Redis: the pending prefix covers it

      await waitUntil(
        'the queue to replay',
        10_000,
        async () => (await metricValue('cache_invalidations_pending', { namespace: 'replay' })) === 0,
      );
      expect(await cache.get('product:1')).toBeUndefined();
      expect(await cache.get('page:cat')).toBeUndefined();
      expect(await cache.get('list:a')).toBeUndefined();
      expect(await cache.get('untouched')).toBe('still good');
      expect(await cache.getOrSet('product:1', () => 'new price')).toBe('new price');
      expect(await cache.get('product:1')).toBe('new price'); // stored again once nothing is pending
    } finally {
      await module.close();
      await server.dispose();
    }
  });

  it('past maxEntries the queue collapses into the whole namespace (counted), which stays correct: nothing is dropped', async () => {
    const server = await RedisServer.start(['--appendonly', 'yes', '--appendfsync', 'always']);
    const { module, cache } = await bootCache({
      namespace: 'replay-bounded',
      redis: { url: server.url },
      operationTimeout: 200,
      invalidationQueue: { maxEntries: 2 },
    });
    try {
      await cache.mset(['a', 'b', 'c', 'd'].map((key) => ({ key, value: `old ${key}` })));
      await server.stop();
      for (const key of ['a', 'b', 'c']) await expect(cache.invalidate(key)).rejects.toBeInstanceOf(CacheError);
      expect(await metricValue('cache_invalidations_pending', { namespace: 'replay-bounded' })).toBe(1);
      expect(await metricValue('cache_invalidations_collapsed_total', { namespace: 'replay-bounded', reason: 'entries' })).toBe(1);
      expect(await metricValue('cache_invalidations_dropped_total', { namespace: 'replay-bounded' })).toBe(0);
      expect(await cache.get('a')).toBeUndefined(); // the oldest is not forgotten: answered without Redis

      await server.launch();
      await waitUntil(
        'the queue to replay',
        10_000,
        async () => (await metricValue('cache_invalidations_pending', { namespace: 'replay-bounded' })) === 0,
      );
      expect(await cache.mget(['a', 'b', 'c', 'd'])).toEqual([undefined, undefined, undefined, undefined]);
    } finally {
      await module.close();
      await server.dispose();
    }
  });
});
