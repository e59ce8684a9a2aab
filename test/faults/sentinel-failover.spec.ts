import { setTimeout as sleep } from 'node:timers/promises';
import { CacheError } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { command } from '../support/redis-cluster.js';
import { RedisSentinel } from '../support/redis-sentinel.js';
import { directLoad, metricValue, readThroughLoad, timeUntil } from './fault-harness.js';

const BUDGET_MS = 200;
/** A read-through waits on Redis at most BUDGET_MS in all (lookup and write-back); the rest is scheduling slack on a busy CI machine. */
const MAX_CACHE_WAIT_MS = BUDGET_MS + 200;

describe('faults: the Sentinels fail the master over to its replica', () => {
  let setup: RedisSentinel;

  beforeAll(async () => {
    setup = await RedisSentinel.start();
  }, 30_000);

  afterAll(async () => {
    await setup?.stop();
  });

  it('read-through callers get correct values within budget, direct callers a value or a CacheError, and the cache recovers on the new master', async () => {
    const { module, cache } = await bootCache({
      namespace: 'failover',
      redis: { sentinels: setup.sentinels, name: setup.name },
      operationTimeout: BUDGET_MS,
    });
    try {
      const oldMaster = setup.masterPort;
      let killedAt = 0;
      const failedOver = sleep(1000)
        .then(() => setup.killMaster())
        .then(() => (killedAt = performance.now()))
        .then(() => setup.waitForFailover())
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
      expect(setup.masterPort).not.toBe(oldMaster);

      // Measured from every Sentinel naming the new master: the client asks them and reconnects there.
      const recoveryMs = await timeUntil(async () => {
        await cache.set('after', 'written');
        return (await command(setup.masterPort, 'get', 'failover:after')) === '"written"';
      }, 10_000);
      expect(recoveryMs).toBeLessThan(2000);
      const keys = Array.from({ length: 10 }, (_, i) => `again:${i}`);
      for (const key of keys) expect(await cache.getOrSet(key, () => key)).toBe(key);
      for (const key of keys) expect(await cache.getOrSet(key, () => 'stale')).toBe(key); // hits on the new master
      console.info(
        `faults: sentinel failover: ${readThrough.calls} read-through calls, slowest cache wait ${readThrough.slowestCacheWaitMs.toFixed(0)} ms; ` +
          `${direct.calls} direct calls (${direct.cacheErrors} CacheError, ${direct.staleReads} stale); the Sentinels failed over in ${failoverMs.toFixed(0)} ms, ` +
          `the cache served again ${recoveryMs.toFixed(0)} ms later`,
      );
    } finally {
      await module.close();
    }
  }, 40_000);
});
