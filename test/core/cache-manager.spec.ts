import type { TestingModule } from '@nestjs/testing';
import { CacheError, type CacheManager } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { storedValue } from '../support/stored-entry.js';

describe('CacheManager on a real Redis', () => {
  const db = useRedisServer();
  let module: TestingModule;
  let cache: CacheManager;

  beforeAll(async () => {
    ({ module, cache } = await bootCache({ namespace: 'orders', redis: { url: db.server.url }, defaultTtl: '1m' }));
  });

  afterAll(async () => {
    await module.close();
  });

  beforeEach(() => db.redis.flushdb());

  it('stores values under <namespace>:<key> with the default TTL', async () => {
    await cache.set('order:1', { id: 1, items: ['a', 'b'] });
    expect(await storedValue(db.redis, 'orders:order:1')).toEqual({ id: 1, items: ['a', 'b'] });
    const pttl = await db.redis.pttl('orders:order:1');
    expect(pttl).toBeGreaterThan(55_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    expect(await cache.get('order:1')).toEqual({ id: 1, items: ['a', 'b'] });
  });

  it('reads a miss as undefined and a stored null as null', async () => {
    expect(await cache.get('absent')).toBeUndefined();
    await cache.set('nothing', null);
    expect(await cache.get('nothing')).toBeNull();
    expect(await cache.has('nothing')).toBe(true);
    expect(await cache.has('absent')).toBe(false);
  });

  it('accepts TTLs in milliseconds and as human strings', async () => {
    await cache.set('ms', 1, { ttl: 1500 });
    await cache.set('human', 1, { ttl: '2h' });
    expect(await db.redis.pttl('orders:ms')).toBeLessThanOrEqual(1500);
    expect(await db.redis.pttl('orders:ms')).toBeGreaterThan(1000);
    expect(await cache.ttl('human')).toBeGreaterThan(2 * 3600_000 - 5000);
    expect(await cache.ttl('absent')).toBeUndefined();
  });

  it('lets an entry expire after its TTL', async () => {
    await cache.set('short', 'v', { ttl: 50 });
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await cache.get('short')).toBeUndefined();
  });

  it.each([0, -5, 'soon', Number.NaN])('refuses ttl %p with a CacheError and stores nothing', async (ttl) => {
    await expect(cache.set('k', 1, { ttl })).rejects.toThrow(CacheError);
    expect(await db.redis.exists('orders:k')).toBe(0);
  });

  it('invalidates one or many keys and says how many existed', async () => {
    await cache.mset([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
      { key: 'c', value: 3, ttl: '10s' },
    ]);
    expect(await db.redis.pttl('orders:c')).toBeLessThanOrEqual(10_000);
    expect(await cache.invalidate('a')).toBe(1);
    expect(await cache.invalidate(['b', 'c', 'never'])).toBe(2);
    expect(await db.redis.dbsize()).toBe(0);
  });

  it('reads many keys in order with mget, misses as undefined', async () => {
    await cache.set('x', 'X');
    await cache.set('z', null);
    expect(await cache.mget(['x', 'y', 'z'])).toEqual(['X', undefined, null]);
    expect(await cache.mget([])).toEqual([]);
  });

  it('stores nothing from an mset that holds one value JSON cannot keep', async () => {
    const batch = [
      { key: 'good', value: 1 },
      { key: 'bad', value: { big: 10n } },
    ];
    await expect(cache.mset(batch)).rejects.toThrow(/bad/);
    expect(await db.redis.dbsize()).toBe(0);
  });

  it('keeps the order of commands issued in one tick', async () => {
    const results = await Promise.all([
      cache.set('seq', 1),
      cache.invalidate('seq'),
      cache.set('seq', 2),
      cache.get('seq'),
      cache.invalidate('seq'),
      cache.has('seq'),
    ]);
    expect(results).toEqual([undefined, 1, undefined, 2, 1, false]);
  });

  it('sends the commands of one tick in one write', async () => {
    // Redis counts the reads it makes from sockets: unbatched, 100 commands take about 100 reads.
    const reads = async (): Promise<number> => Number(/total_reads_processed:(\d+)/.exec(await db.redis.info('stats'))![1]);
    await cache.get('warm'); // connected, not in a reconnect
    const before = await reads();
    await Promise.all(Array.from({ length: 100 }, (_, index) => cache.get(`batch:${index}`)));
    expect((await reads()) - before).toBeLessThanOrEqual(5); // 100 GETs, INFO, slack for a split write
  });

  it('getOrSet loads once, then serves the stored value', async () => {
    let loads = 0;
    const loader = async () => ({ n: ++loads });
    expect(await cache.getOrSet('hot', loader)).toEqual({ n: 1 });
    expect(await cache.getOrSet('hot', loader)).toEqual({ n: 1 });
    expect(loads).toBe(1);
    expect(await storedValue(db.redis, 'orders:hot')).toEqual({ n: 1 });
  });

  it('getOrSet runs one loader for concurrent callers of one key', async () => {
    let loads = 0;
    const loader = async () => {
      loads++;
      await new Promise((resolve) => setTimeout(resolve, 30));
      return 'v';
    };
    const results = await Promise.all(Array.from({ length: 50 }, () => cache.getOrSet('shared', loader)));
    expect(results.every((value) => value === 'v')).toBe(true);
    expect(loads).toBe(1);
  });

  it('getOrSet passes loader errors through and caches neither errors nor undefined', async () => {
    const boom = new Error('database down');
    await expect(cache.getOrSet('e', () => Promise.reject(boom))).rejects.toBe(boom);
    expect(await cache.getOrSet('u', () => undefined)).toBeUndefined();
    expect(await db.redis.exists('orders:e', 'orders:u')).toBe(0);
  });

  it('getOrSet caches a null result', async () => {
    let loads = 0;
    const loader = () => {
      loads++;
      return null;
    };
    expect(await cache.getOrSet('n', loader)).toBeNull();
    expect(await cache.getOrSet('n', loader)).toBeNull();
    expect(loads).toBe(1);
  });

  it('treats an undecodable entry as a miss and removes it', async () => {
    await db.redis.set('orders:corrupt', '{"truncated":');
    expect(await cache.get('corrupt')).toBeUndefined();
    expect(await cache.getOrSet('corrupt', () => 'fresh')).toBe('fresh');
    expect(await storedValue(db.redis, 'orders:corrupt')).toEqual('fresh');
  });

  it('clear() removes only this namespace, including keys with glob characters', async () => {
    const seed = db.redis.pipeline();
    for (let i = 0; i < 2500; i++) seed.set(`orders:bulk:${i}`, '1');
    await seed.exec();
    await cache.set('weird*[key]?', 1);
    await db.redis.set('other:keep', '1');
    await db.redis.set('ordersX:keep', '1');
    expect(await cache.clear()).toBe(2501);
    expect((await db.redis.keys('*')).sort()).toEqual(['ordersX:keep', 'other:keep']);
  });

  it('refuses invalid keys with a CacheError', async () => {
    await expect(cache.get('')).rejects.toThrow(CacheError);
    await expect(cache.get('x'.repeat(2000))).rejects.toThrow(/key length/);
    await expect(cache.set(42 as unknown as string, 1)).rejects.toThrow(/key must be a string/);
  });

  it('refuses values JSON cannot keep on set, storing nothing', async () => {
    const circular: Record<string, unknown> = { id: 1 };
    circular.self = circular;
    for (const value of [circular, { n: 10n }, { run: () => 1 }, undefined]) {
      await expect(cache.set('bad', value)).rejects.toThrow(CacheError);
    }
    await expect(cache.set('bad', { when: new Date(0), n: 10n })).rejects.toThrow(/set "bad"/);
    expect(await db.redis.exists('orders:bad')).toBe(0);
  });

  it('withNamespace works under another prefix on the same connection, and refuses a bad namespace', async () => {
    const catalog = cache.withNamespace('catalog');
    expect(catalog.namespace).toBe('catalog');
    expect(cache.withNamespace('catalog')).toBe(catalog);
    await catalog.set('k', 'in catalog');
    await cache.set('k', 'in orders');
    expect(await storedValue(db.redis, 'catalog:k')).toEqual('in catalog');
    expect(await catalog.clear()).toBe(1);
    expect(await cache.get('k')).toBe('in orders');
    expect(() => cache.withNamespace('')).toThrow(/withNamespace\(namespace\) must be a non-empty string/);
    expect(() => cache.withNamespace('a:*')).toThrow(CacheError);
  });
});
