import type { TestingModule } from '@nestjs/testing';
import { CacheError, type CacheManager } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { metricValue } from '../faults/fault-harness.js';

/**
 * A hit from the in-process tier is served outside the Redis read (and its key remembered): what a caller sees is
 * unchanged. A refused key still rejects (never throws at the call), each hit is counted, and a key the tier does
 * not hold still reads Redis.
 */
describe('l1 hit path', () => {
  const redis = useRedisServer();
  const namespace = 'l1hitpath';
  let module: TestingModule;
  let cache: CacheManager;

  beforeAll(async () => {
    ({ module, cache } = await bootCache({ namespace, redis: { url: redis.server.url }, l1: {} }));
  });

  afterAll(() => module?.close());

  it.each([[''], ['__lock__:k'], [42]])('refuses key %p with a rejected promise, before and after hits', async (key) => {
    await cache.set('held', { n: 1 });
    for (let round = 0; round < 3; round++) {
      let call: Promise<unknown> | undefined;
      expect(() => (call = cache.get(key as string))).not.toThrow();
      await expect(call).rejects.toThrow(CacheError);
      await expect(cache.get('held')).resolves.toEqual({ n: 1 });
    }
  });

  it('counts every hit from memory, and reads Redis for a key it does not hold', async () => {
    await cache.set('counted', { n: 2 });
    await cache.get('counted'); // fills the tier
    const hits = await metricValue('cache_l1_hits_total', { namespace });
    const total = cache.stats().hits;
    for (let i = 0; i < 5; i++) await expect(cache.get('counted')).resolves.toEqual({ n: 2 });
    expect(await metricValue('cache_l1_hits_total', { namespace })).toBe(hits + 5);
    expect(cache.stats().hits).toBe(total + 5);
    await expect(cache.get('never-written')).resolves.toBeUndefined();
  });
});
