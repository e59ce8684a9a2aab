import { setTimeout as sleep } from 'node:timers/promises';
import { CacheError } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { storedValue } from '../support/stored-entry.js';
import { metricValue } from '../faults/fault-harness.js';

describe('cache.warm', () => {
  const db = useRedisServer();
  beforeEach(() => db.redis.flushdb());

  it('loads every entry, then skips those still fresh; one failure is counted, not thrown', async () => {
    const { module, cache } = await bootCache({ namespace: 'warm', redis: { url: db.server.url } });
    try {
      let running = 0;
      let mostAtOnce = 0;
      const entries = Array.from({ length: 200 }, (_, i) => ({
        key: `item:${i}`,
        ttl: '1m',
        loader: async () => {
          running++;
          mostAtOnce = Math.max(mostAtOnce, running);
          await sleep(2);
          running--;
          if (i === 7) throw new Error('row 7 is broken');
          return { i };
        },
      }));
      expect(await cache.warm(entries, { concurrency: 8 })).toEqual({ loaded: 199, skipped: 0, failed: 1 });
      expect(mostAtOnce).toBe(8);
      expect(await storedValue(db.redis, 'warm:item:3')).toEqual({ i: 3 });
      expect(await cache.warm(entries)).toEqual({ loaded: 0, skipped: 199, failed: 1 }); // item:7 is still missing
      expect(await cache.warm(entries.slice(0, 3), { skipIfFresh: false })).toEqual({ loaded: 3, skipped: 0, failed: 0 });
      expect(await metricValue('cache_warm_keys_total', { namespace: 'warm', result: 'skipped' })).toBe(199);
      expect(await metricValue('cache_loads_total', { namespace: 'warm', trigger: 'warm' })).toBe(200 + 1 + 3);
    } finally {
      await module.close();
    }
  });

  it('takes an async generator, stops on abort, and rejects only for a broken source', async () => {
    const { module, cache } = await bootCache({ namespace: 'warm-gen', redis: { url: db.server.url } });
    try {
      async function* rows(count: number) {
        for (let i = 0; i < count; i++) yield { key: `row:${i}`, loader: () => i };
      }
      expect(await cache.warm(rows(50), { concurrency: 4 })).toEqual({ loaded: 50, skipped: 0, failed: 0 });
      const controller = new AbortController();
      let loads = 0;
      const endless = (async function* () {
        for (let i = 0; ; i++) yield { key: `endless:${i}`, loader: () => (++loads === 20 ? (controller.abort(), i) : i) };
      })();
      const result = await cache.warm(endless, { concurrency: 2, signal: controller.signal });
      expect(result.loaded).toBeGreaterThanOrEqual(20);
      expect(result.loaded).toBeLessThanOrEqual(22);
      const broken = (async function* () {
        yield { key: 'ok', loader: () => 1 };
        throw new Error('cursor lost');
      })();
      await expect(cache.warm(broken)).rejects.toThrow('cursor lost');
      expect(await cache.warm([{ key: '', loader: () => 1 }, { key: 'fine', loader: () => 2 }] as never)).toEqual({ loaded: 1, skipped: 0, failed: 1 });
      await expect(cache.warm(null as never)).rejects.toThrow(CacheError);
    } finally {
      await module.close();
    }
  });
});
