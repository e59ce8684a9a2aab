import { register } from 'prom-client';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { waitUntil } from '../support/wait-until.js';
import { commandTime } from '../support/keyspace.js';
import { incompressibleText } from '../support/incompressible.js';

async function series(name: string, namespace: string): Promise<number | undefined> {
  const metric = register.getSingleMetric(name);
  const values = metric ? (await metric.get()).values : [];
  return values.find((sample) => sample.labels.namespace === namespace)?.value;
}

describe('redisInfo', () => {
  // A small limit with eviction, so the test can make Redis evict.
  const db = useRedisServer(['--maxmemory', '4mb', '--maxmemory-policy', 'allkeys-lru']);

  it('publishes used memory, maxmemory, fragmentation, and counts evictions and expirations, from one INFO per interval for the fleet', async () => {
    await db.redis.config('RESETSTAT');
    const startedAt = Date.now();
    const options = { namespace: 'info', redis: { url: db.server.url }, redisInfo: { interval: '1s' } };
    const fleet = await Promise.all([bootCache(options), bootCache(options)]);
    try {
      await waitUntil('the INFO gauges', 10_000, async () => (await series('cache_redis_maxmemory_bytes', 'info')) !== undefined);
      expect(await series('cache_redis_maxmemory_bytes', 'info')).toBe(4 * 1024 * 1024);
      expect(await series('cache_redis_used_memory_bytes', 'info')).toBeGreaterThan(0);
      expect(await series('cache_redis_mem_fragmentation_ratio', 'info')).toBeGreaterThan(0);
      expect(await series('cache_redis_evicted_keys_total', 'info')).toBe(0);

      const [{ cache }] = fleet;
      await cache.set('short-lived', 1, { ttl: 10 });
      // 8 MB of entries (that do not compress) into 4 MB: Redis evicts.
      const value = incompressibleText(8 * 1024);
      for (let batch = 0; batch < 10; batch++) {
        await cache.mset(Array.from({ length: 100 }, (_, i) => ({ key: `big-${batch}-${i}`, value: `${value}${i}` })));
      }
      await waitUntil('evictions and the expiry to be counted', 10_000, async () => {
        return (
          ((await series('cache_redis_evicted_keys_total', 'info')) ?? 0) > 0 &&
          ((await series('cache_redis_expired_keys_total', 'info')) ?? 0) > 0
        );
      });
      // Two instances, at most one INFO per 0.9 s between them; the ready check of each connection adds one.
      const turns = Math.ceil((Date.now() - startedAt) / 900) + 1;
      const infos = (await commandTime(db.redis, { keepInfo: true })).get('info')?.calls ?? 0;
      expect(infos).toBeLessThanOrEqual(fleet.length + turns);
      expect(infos).toBeGreaterThan(fleet.length);
    } finally {
      await Promise.all(fleet.map(({ module }) => module.close()));
    }
  });

  it('is off by default', async () => {
    const { module, cache } = await bootCache({ namespace: 'info-off', redis: { url: db.server.url } });
    await cache.set('k', 1);
    expect(await series('cache_redis_used_memory_bytes', 'info-off')).toBeUndefined();
    await module.close();
  });
});
