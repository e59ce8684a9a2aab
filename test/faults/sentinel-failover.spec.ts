import { bootCache } from '../support/cache-app.js';
import { RedisSentinel } from '../support/redis-sentinel.js';
import { BUDGET_MS, failoverReport, loadThroughFailover, MAX_CACHE_WAIT_MS, timeUntil } from './fault-harness.js';
import { storedValueOn } from '../support/stored-entry.js';

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
      const result = await loadThroughFailover(
        cache,
        { kill: () => setup.killMaster(), waitForFailover: () => setup.waitForFailover() },
        { namespace: 'failover', maxCacheWaitMs: MAX_CACHE_WAIT_MS },
      );
      expect(setup.masterPort).not.toBe(oldMaster);

      // Measured from every Sentinel naming the new master: the client asks them and reconnects there.
      const recoveryMs = await timeUntil(async () => {
        await cache.set('after', 'written');
        return (await storedValueOn(setup.masterPort, 'failover:after').catch(() => undefined)) === 'written';
      }, 10_000);
      expect(recoveryMs).toBeLessThan(2000);
      const keys = Array.from({ length: 10 }, (_, i) => `again:${i}`);
      for (const key of keys) expect(await cache.getOrSet(key, () => key)).toBe(key);
      for (const key of keys) expect(await cache.getOrSet(key, () => 'stale')).toBe(key); // hits on the new master
      console.info(failoverReport('sentinel failover', result, recoveryMs));
    } finally {
      await module.close();
    }
  }, 40_000);
});
