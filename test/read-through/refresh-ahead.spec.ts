import { setTimeout as sleep } from 'node:timers/promises';
import type { CacheManager } from '@datapunk/nestjs-cache';
import type { TestingModule } from '@nestjs/testing';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { waitUntil } from '../support/wait-until.js';
import { metricValue } from '../faults/fault-harness.js';

/** A loader whose runs the test releases one by one. */
function gatedLoader<T>(values: T[]) {
  const gates: Array<() => void> = [];
  let runs = 0;
  return {
    get runs() {
      return runs;
    },
    open: () => gates.shift()?.(),
    loader: async () => {
      const value = values[Math.min(runs, values.length - 1)];
      runs++;
      if (runs > 1) await new Promise<void>((resolve) => gates.push(resolve));
      else await sleep(5); // the first load takes time too: refresh-ahead needs a load time to predict from
      return value;
    },
  };
}

describe('refresh-ahead', () => {
  const db = useRedisServer();
  beforeEach(() => db.redis.flushdb());

  it('serves the current value at once and refreshes in the background, one refresh per key', async () => {
    // beta huge: every read refreshes early (once a load time is known).
    const { module, cache } = await bootCache({ namespace: 'ra-basic', redis: { url: db.server.url }, refreshAhead: { beta: 1e9 } });
    try {
      const source = gatedLoader(['v1', 'v2']);
      expect(await cache.getOrSet('k', source.loader, { ttl: '1m' })).toBe('v1');
      const reads = await Promise.all(Array.from({ length: 20 }, () => cache.getOrSet('k', source.loader, { ttl: '1m' })));
      await waitUntil('the refresh to start', 2000, async () => source.runs === 2);
      reads.push(...(await Promise.all(Array.from({ length: 20 }, () => cache.getOrSet('k', source.loader, { ttl: '1m' })))));
      expect(reads.every((value) => value === 'v1')).toBe(true); // nobody waited for the refresh (its loader is still held)
      expect(source.runs).toBe(2); // one refresh for 40 reads
      source.open();
      await waitUntil('the refreshed value', 5000, async () => (await cache.get('k')) === 'v2');
      expect(await metricValue('cache_loads_total', { namespace: 'ra-basic', trigger: 'refresh' })).toBe(1);
      expect(await metricValue('cache_loads_total', { namespace: 'ra-basic', trigger: 'miss' })).toBe(1);
    } finally {
      await module.close();
    }
  });

  it.each([
    ['a set', (cache: CacheManager) => cache.set('k', 'written meanwhile', { ttl: '1m' }), 'written meanwhile'],
    ['an invalidate', (cache: CacheManager) => cache.invalidate('k'), undefined],
    ['a tag invalidation', (cache: CacheManager) => cache.invalidateTags('t'), undefined],
    ['a clear', (cache: CacheManager) => cache.clear(), undefined],
  ])('%s during a refresh wins: the refresh result is not stored over it', async (_what, change, expected) => {
    const namespace = `ra-wins-${_what.replace(/\W/g, '')}`;
    const { module, cache } = await bootCache({ namespace, redis: { url: db.server.url }, refreshAhead: { beta: 1e9 } });
    try {
      const source = gatedLoader(['v1', 'refreshed']);
      const options = { ttl: '1m', tags: ['t'] };
      await cache.getOrSet('k', source.loader, options);
      expect(await cache.getOrSet('k', source.loader, options)).toBe('v1'); // starts the refresh
      await waitUntil('the refresh to start', 2000, async () => source.runs === 2);
      await change(cache);
      source.open();
      await waitUntil('the refresh to end', 5000, async () => (await db.redis.exists(`${namespace}:__lock__:k`)) === 0);
      expect(await cache.get('k')).toBe(expected);
    } finally {
      await module.close();
    }
  });

  it('4 instances on one Redis: after warm-up no caller waits for the loader, and it runs once per expiry', async () => {
    const ttlMs = 1000;
    const instances: Array<{ module: TestingModule; cache: CacheManager }> = [];
    for (let i = 0; i < 4; i++) {
      instances.push(await bootCache({ namespace: 'ra-fleet', redis: { url: db.server.url }, lock: true, refreshAhead: { beta: 2 } }));
    }
    let running = 0;
    let mostAtOnce = 0;
    let loads = 0;
    const loader = async () => {
      loads++;
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      await sleep(50);
      running--;
      return { loadedAt: Date.now() };
    };
    try {
      const durationMs = 5 * ttlMs;
      const deadline = Date.now() + durationMs;
      let reads = 0;
      // 4 instances x 1 read per 15 ms: about 250 reads/s.
      await Promise.all(
        instances.map(async ({ cache }) => {
          while (Date.now() < deadline) {
            await cache.getOrSet('hot', loader, { ttl: ttlMs });
            reads++;
            await sleep(15);
          }
        }),
      );
      const labels = { namespace: 'ra-fleet', cache: 'direct' };
      const misses = await metricValue('cache_loads_total', { ...labels, trigger: 'miss' });
      const refreshes = await metricValue('cache_loads_total', { ...labels, trigger: 'refresh' });
      const expiries = durationMs / ttlMs;
      console.info(`refresh-ahead fleet: ${reads} reads, ${loads} loads (${misses} miss, ${refreshes} refresh) over ${expiries} TTLs`);
      expect(misses).toBe(1); // the cold start only (the lock made the other instances wait for it)
      expect(mostAtOnce).toBe(1); // never two loads of the key at once, across the 4 instances
      expect(refreshes).toBeGreaterThanOrEqual(expiries - 1);
      // No more than one load per half TTL. XFetch draws on every read: at ~250 reads/s with a 50 ms load and beta 2,
      // a refresh leads expiry by about 2·50·ln(250·0.1) ≈ 320 ms, so ~1.5 loads per TTL is the expected rate (7–8 over
      // 5 TTLs measured alone); a loader slowed by a busy machine leads more. A stampede would be tens.
      expect(loads).toBeLessThanOrEqual(expiries * 2 + 1);
      expect(await metricValue('cache_stale_served_total', labels)).toBe(0);
    } finally {
      for (const { module } of instances) await module.close();
    }
  });
});
