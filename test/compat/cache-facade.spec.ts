import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Cache, CacheError, CacheModule, type CacheListEntry } from '@datapunk/nestjs-cache';
import { useRedisServer } from '../support/redis-fixture.js';
import { RedisServer } from '../support/redis-server.js';
import { metricValue } from '../faults/fault-harness.js';
import { waitUntil } from '../support/wait-until.js';

async function bootCacheApp(options: Parameters<typeof CacheModule.register>[0]): Promise<{ app: INestApplication; cache: Cache }> {
  const module = await Test.createTestingModule({ imports: [CacheModule.register(options)] }).compile();
  const app = module.createNestApplication();
  await app.init();
  return { app, cache: app.get(Cache) };
}

/** The cache-manager interface served by CacheManager: its return values, our keys, metrics and guarantees. */
describe('Cache (the @nestjs/cache-manager interface)', () => {
  let app: INestApplication;
  let cache: Cache;
  // Declared before the server's hooks so it runs first: the app closes while Redis still answers.
  afterAll(async () => {
    await app.close();
  });
  const db = useRedisServer();

  beforeAll(async () => {
    ({ app, cache } = await bootCacheApp({ namespace: 'facade', redis: { url: db.server.url }, ttl: 60_000 }));
  });

  beforeEach(async () => {
    await db.redis.flushdb();
  });

  it('get / set / del as cache-manager 7: set resolves to the value, a miss is undefined, del resolves to true', async () => {
    expect(await cache.get('order:1')).toBeUndefined();
    expect(await cache.set('order:1', { total: 12.5 })).toEqual({ total: 12.5 });
    expect(await cache.get('order:1')).toEqual({ total: 12.5 });
    expect(await db.redis.exists('facade:order:1')).toBe(1); // under the namespace, in the package's entry format
    expect(await cache.del('order:1')).toBe(true);
    expect(await cache.del('order:1')).toBe(true);
    expect(await cache.get('order:1')).toBeUndefined();
  });

  it('set takes a TTL in milliseconds (or a duration string)', async () => {
    await cache.set('short', 1, 5_000);
    await cache.set('named', 2, '2m');
    const [short, named] = await Promise.all([db.redis.pttl('facade:short'), db.redis.pttl('facade:named')]);
    expect(short).toBeGreaterThan(0);
    expect(short).toBeLessThanOrEqual(5_000);
    expect(named).toBeGreaterThan(110_000);
  });

  it('mget / mset / mdel in order, misses as undefined; mset resolves to its list', async () => {
    const list: Array<CacheListEntry<number | string>> = [
      { key: 'a', value: 1 },
      { key: 'b', value: 'two', ttl: 5_000 },
    ];
    expect(await cache.mset(list)).toBe(list);
    expect(await cache.mget(['a', 'missing', 'b'])).toEqual([1, undefined, 'two']);
    expect(await db.redis.pttl('facade:b')).toBeLessThanOrEqual(5_000);
    expect(await cache.mdel(['a', 'b'])).toBe(true);
    expect(await cache.mget(['a', 'b'])).toEqual([undefined, undefined]);
  });

  it('ttl is the expiry time in epoch milliseconds, as cache-manager returns it; undefined when absent', async () => {
    const before = Date.now();
    await cache.set('expiring', 'x', 10_000);
    const expires = await cache.ttl('expiring');
    expect(expires).toBeGreaterThan(before + 9_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 10_000);
    expect(await cache.ttl('absent')).toBeUndefined();
  });

  it('wrap is read-through: one loader run for concurrent callers, then hits; a TTL function of the value sets its TTL', async () => {
    let runs = 0;
    const load = async () => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { id: 7, fresh: true };
    };
    const values = await Promise.all(
      Array.from({ length: 10 }, () => cache.wrap('product:7', load, (value) => (value.fresh ? 3_000 : 60_000))),
    );
    expect(runs).toBe(1);
    expect(values.every((value) => value.id === 7)).toBe(true);
    expect(await cache.wrap('product:7', load)).toEqual({ id: 7, fresh: true });
    expect(runs).toBe(1);
    const pttl = await db.redis.pttl('facade:product:7');
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(3_000);
    expect(await cache.wrap('with-options', async () => 'v', { ttl: 4_000 })).toBe('v');
    expect(await db.redis.pttl('facade:with-options')).toBeLessThanOrEqual(4_000);
  });

  it('clear removes this namespace only and resolves to true', async () => {
    await db.redis.set('other-service:key', 'kept');
    await cache.mset([
      { key: 'x', value: 1 },
      { key: 'y', value: 2 },
    ]);
    expect(await cache.clear()).toBe(true);
    expect(await db.redis.keys('*')).toEqual(['other-service:key']);
  });

  it('counts hits and misses in the package metrics (cache="direct")', async () => {
    const labels = { namespace: 'facade', cache: 'direct' };
    const [hits, misses] = [await metricValue('cache_hits_total', labels), await metricValue('cache_misses_total', labels)];
    await cache.set('counted', 1);
    await cache.get('counted');
    await cache.get('not-there');
    expect(await metricValue('cache_hits_total', labels)).toBe(hits + 1);
    expect(await metricValue('cache_misses_total', labels)).toBe(misses + 1);
  });

  it('keeps the package behaviour where it differs on purpose: null is a value, lossy values are refused, bad keys reject', async () => {
    await cache.set('nothing', null);
    expect(await cache.get('nothing')).toBeNull();
    await expect(cache.set('when', new Map([[1, 2]]))).rejects.toThrow(CacheError);
    await expect(cache.set('big', 10n)).rejects.toThrow(/bigint, which JSON cannot store/);
    await expect(cache.get('x'.repeat(2000))).rejects.toThrow(/key length must be 1\.\.1024/);
    await expect(cache.set('zero', 1, 0)).rejects.toThrow(/must be positive/);
    const wrap = cache.wrap.bind(cache) as (...args: unknown[]) => Promise<unknown>;
    await expect(wrap('r', async () => 1, { ttl: 1_000, raw: true })).rejects.toThrow(/wrap: option "raw" is not supported/);
  });

  it('refuses refreshThreshold and names its equivalent: staleWhileRevalidate (or refreshAhead)', async () => {
    const wrap = cache.wrap.bind(cache) as (...args: unknown[]) => Promise<unknown>;
    const equivalent = /getOrSet\(key, fn, \{ ttl: T - R, staleWhileRevalidate: R \}\) for wrap\(key, fn, T, R\).*refreshAhead/;
    await expect(wrap('r', async () => 1, 1_000, 500)).rejects.toThrow(/wrap: refreshThreshold \(the fourth argument\) is not taken/);
    await expect(wrap('r', async () => 1, 1_000, 500)).rejects.toThrow(equivalent);
    await expect(wrap('r', async () => 1, { ttl: 1_000, refreshThreshold: 500 })).rejects.toThrow(equivalent);
    expect(await db.redis.exists('facade:r')).toBe(0);
  });
});

describe('Cache during a Redis outage', () => {
  it('reads as misses (counted), fails writes with a CacheError, and wrap serves the loader', async () => {
    const server = await RedisServer.start();
    const { app, cache } = await bootCacheApp({ namespace: 'facade-outage', redis: { url: server.url }, circuitBreaker: false });
    try {
      await cache.set('k', 'v');
      await server.stop();
      const errors = await metricValue('cache_errors_total', { namespace: 'facade-outage', operation: 'get' });
      expect(await cache.get('k')).toBeUndefined();
      expect(await cache.mget(['k', 'j'])).toEqual([undefined, undefined]);
      expect(await cache.ttl('k')).toBeUndefined();
      expect(await metricValue('cache_errors_total', { namespace: 'facade-outage', operation: 'get' })).toBe(errors + 1);
      await expect(cache.set('k', 'w')).rejects.toThrow(CacheError);
      await expect(cache.del('k')).rejects.toThrow(CacheError); // as cache-manager's del; the package keeps it and replays it once Redis answers
      expect(await cache.wrap('k', async () => 'from loader')).toBe('from loader');
      await server.launch();
      await waitUntil('the cache to serve again', 10_000, async () => (await cache.set('back', 'again')) === 'again');
      expect(await cache.get('back')).toBe('again');
    } finally {
      await app.close();
      await server.dispose();
    }
  });
});
