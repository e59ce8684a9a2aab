import { bootCache } from '../support/cache-app.js';
import { RedisCluster } from '../support/redis-cluster.js';
import { BUDGET_MS, failoverReport, loadThroughFailover, MAX_CACHE_WAIT_MS, timeUntil } from './fault-harness.js';

describe('faults: a Redis Cluster master fails over', () => {
  let cluster: RedisCluster;

  beforeAll(async () => {
    cluster = await RedisCluster.start();
  }, 30_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('read-through callers get correct values within budget, direct callers a value or a CacheError, and the cache recovers', async () => {
    const { module, cache } = await bootCache({
      namespace: 'failover',
      redis: { cluster: { nodes: cluster.nodes } },
      operationTimeout: BUDGET_MS,
    });
    try {
      const [victim] = await cluster.masters();
      const result = await loadThroughFailover(
        cache,
        { kill: () => cluster.killMaster(victim.port), waitForFailover: () => cluster.waitForFailover() },
        { namespace: 'failover', maxCacheWaitMs: MAX_CACHE_WAIT_MS },
      );

      const keys = Array.from({ length: 30 }, (_, i) => `after:${i}`); // spread over every master
      // Measured from the cluster agreeing on the new master: the client learns it through MOVED and a slot refresh.
      const recoveryMs = await timeUntil(async () => {
        await cache.mset(keys.map((key) => ({ key, value: key })));
        return JSON.stringify(await cache.mget(keys)) === JSON.stringify(keys);
      }, 10_000);
      expect(recoveryMs).toBeLessThan(2000);
      let loads = 0;
      for (const key of keys) expect(await cache.getOrSet(key, () => (loads++, 'stale'))).toBe(key); // hits
      expect(loads).toBe(0);
      console.info(failoverReport('cluster failover', result, recoveryMs));
    } finally {
      await module.close();
    }
  }, 40_000);
});
