import { setTimeout as sleep } from 'node:timers/promises';
import { CacheError } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { RedisCluster } from '../support/redis-cluster.js';
import { directLoad, metricValue, readThroughLoad, timeUntil } from './fault-harness.js';

const BUDGET_MS = 200;
/** A read-through waits on Redis at most BUDGET_MS in all (lookup and write-back); the rest is scheduling slack on a busy CI machine. */
const MAX_CACHE_WAIT_MS = BUDGET_MS + 200;

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
      // 64 read-through callers and one direct caller for 5 s; the master dies 1 s in and a replica takes over a few seconds later.
      let killedAt = 0;
      const failedOver = sleep(1000)
        .then(() => cluster.killMaster(victim.port))
        .then(() => (killedAt = performance.now()))
        .then(() => cluster.waitForFailover())
        .then(() => performance.now() - killedAt);
      const [readThrough, direct] = await Promise.all([
        readThroughLoad(cache, { inFlight: 64, durationMs: 5000, maxCalls: 2_000_000, keys: 300 }),
        directLoad(cache, (error) => error instanceof CacheError, { durationMs: 5000, maxCalls: 2000 }),
      ]);
      const failoverMs = await failedOver;

      expect(readThrough.thrown).toBe(0);
      expect(readThrough.wrongValues).toBe(0);
      expect(readThrough.slowestCacheWaitMs).toBeLessThan(MAX_CACHE_WAIT_MS);
      expect(direct.otherErrors).toEqual([]);
      expect(direct.values).toBeGreaterThan(direct.calls / 4); // served before and after the outage
      expect(direct.staleReads).toBeLessThanOrEqual(3); // at most the writes in flight when the master died
      expect(direct.slowestMs).toBeLessThan(2 * MAX_CACHE_WAIT_MS); // a set and a get
      expect(await metricValue('cache_errors_total', { namespace: 'failover' })).toBeGreaterThan(0); // the outage fell inside the load

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
      console.info(
        `faults: cluster failover: ${readThrough.calls} read-through calls, slowest cache wait ${readThrough.slowestCacheWaitMs.toFixed(0)} ms; ` +
          `${direct.calls} direct calls (${direct.cacheErrors} CacheError, ${direct.staleReads} stale); the cluster failed over in ${failoverMs.toFixed(0)} ms, ` +
          `the cache served again ${recoveryMs.toFixed(0)} ms later`,
      );
    } finally {
      await module.close();
    }
  }, 40_000);
});
