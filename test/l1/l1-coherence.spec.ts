import { setTimeout as sleep } from 'node:timers/promises';
import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import type { TestingModule } from '@nestjs/testing';
import type { CacheManager, CacheModuleOptions } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { waitUntil } from '../support/wait-until.js';
import { metricValue } from '../faults/fault-harness.js';

/** Two app instances on one Redis, each with its own tier: what one (or anyone) writes must leave the other's. */
describe('l1: the in-process tier kept coherent by Redis', () => {
  const redis = useRedisServer(['--maxmemory', '4mb', '--maxmemory-policy', 'allkeys-lru']);
  let modules: TestingModule[] = [];
  let seq = 0;

  async function twoInstances(options: Partial<CacheModuleOptions> = {}): Promise<[CacheManager, CacheManager, string]> {
    const namespace = `l1c${++seq}`;
    const boot = () => bootCache({ namespace, redis: { url: redis.server.url }, operationTimeout: 1000, l1: {}, ...options });
    const [a, b] = await Promise.all([boot(), boot()]);
    modules.push(a.module, b.module);
    return [a.cache, b.cache, namespace];
  }

  /** Waits until `key` is served from memory (a write's own invalidation may drop the first fill). */
  async function heldInMemory(cache: CacheManager, key: string): Promise<void> {
    await waitUntil(`${key} held in memory`, 2000, async () => {
      await cache.get(key);
      const hits = await metricValue('cache_l1_hits_total', { namespace: cache.namespace });
      await cache.get(key);
      return (await metricValue('cache_l1_hits_total', { namespace: cache.namespace })) === hits + 1;
    });
  }

  afterEach(async () => {
    await Promise.all(modules.map((module) => module.close()));
    modules = [];
  });

  it('serves a hit from memory: the same object, counted in cache_l1_hits_total', async () => {
    const [a, , namespace] = await twoInstances();
    await a.set('k', { n: 1 });
    // The write's own invalidation comes back through Redis too, and may drop the first fill: then the next one stays.
    await waitUntil('a fill that stays', 2000, async () => (await a.get('k')) === (await a.get('k')));
    const first = await a.get<{ n: number }>('k');
    const before = await metricValue('cache_l1_hits_total', { namespace });
    const second = await a.get<{ n: number }>('k');
    expect(second).toBe(first);
    expect(await metricValue('cache_l1_hits_total', { namespace })).toBe(before + 1);
  });

  it('with clone, every caller gets its own copy', async () => {
    const [a] = await twoInstances({ l1: { clone: true } });
    await a.set('k', { n: 1 });
    await heldInMemory(a, 'k');
    const first = await a.get<{ n: number }>('k');
    first!.n = 99;
    const second = await a.get<{ n: number }>('k');
    expect(second).toEqual({ n: 1 });
    expect(await a.get('k')).not.toBe(second);
  });

  it('a write through another instance evicts the key here (get, getOrSet and mget)', async () => {
    const [a, b] = await twoInstances();
    await a.set('k', 1);
    await a.set('m', 1);
    expect(await b.get('k')).toBe(1);
    expect(await b.getOrSet('k', () => -1)).toBe(1);
    expect(await b.mget(['k', 'm'])).toEqual([1, 1]);
    await a.set('k', 2);
    await a.invalidate('m');
    await waitUntil('b sees the write', 2000, async () => (await b.get('k')) === 2);
    expect(await b.getOrSet('k', () => -1)).toBe(2);
    await waitUntil('b sees the invalidation', 2000, async () => (await b.mget(['k', 'm']))[1] === undefined);
  });

  it('a write by another client (raw SET, DEL) evicts the key', async () => {
    const [a, b, namespace] = await twoInstances();
    await a.set('k', 'one');
    expect(await b.get('k')).toBe('one');
    const stored = await redis.redis.getBuffer(`${namespace}:k`);
    await a.set('k', 'two');
    expect(await b.get('k')).toBeDefined();
    await redis.redis.set(`${namespace}:k`, stored!); // back to 'one', behind the library's back
    await waitUntil('b sees the raw write', 2000, async () => (await b.get('k')) === 'one');
    await redis.redis.del(`${namespace}:k`);
    await waitUntil('b sees the raw delete', 2000, async () => (await b.get('k')) === undefined);
  });

  it('getOrSetMany serves the keys it holds from memory, and a write elsewhere evicts them', async () => {
    const [a, b, namespace] = await twoInstances();
    await a.mset([
      { key: 'x', value: 1 },
      { key: 'y', value: 1 },
    ]);
    const loader = jest.fn((missing: string[]) => missing.map(() => -1 as number));
    expect(await b.getOrSetMany(['x', 'y'], loader)).toEqual([1, 1]);
    await waitUntil('both held in memory', 2000, async () => {
      const hits = await metricValue('cache_l1_hits_total', { namespace });
      await b.getOrSetMany(['x', 'y'], loader);
      return (await metricValue('cache_l1_hits_total', { namespace })) === hits + 2;
    });
    expect(loader).not.toHaveBeenCalled();
    await a.set('y', 2);
    await waitUntil('b sees the write', 2000, async () => (await b.getOrSetMany(['x', 'y'], loader))[1] === 2);
    expect(loader).not.toHaveBeenCalled();
  });

  it('a namespace given l1 at runtime is tracked without a reconnect or a flush', async () => {
    const namespace = `l1c${++seq}`;
    const boot = () => bootCache({ namespace, redis: { url: redis.server.url }, operationTimeout: 1000 });
    const [first, second] = await Promise.all([boot(), boot()]);
    modules.push(first.module, second.module);
    const [a, b] = [first.cache, second.cache].map((cache) => cache.withNamespace(`${namespace}-rt`, { l1: {} }));
    await a.set('k', 1);
    await heldInMemory(b, 'k');
    await a.set('k', 2);
    await waitUntil('b sees the write', 2000, async () => (await b.get('k')) === 2);
    const later = [first.cache, second.cache].map((cache) => cache.withNamespace(`${namespace}-rt2`, { l1: {} }));
    await later[0].set('k', 1);
    await heldInMemory(later[1], 'k');
    await heldInMemory(b, 'k'); // still held: making another namespace flushed nothing
    expect(await metricValue('cache_l1_flushes_total', { namespace: `${namespace}-rt`, reason: 'topology' })).toBe(0);
  });

  it('works under an ioredis keyPrefix (heartbeats and invalidations carry it)', async () => {
    const [a, b] = await twoInstances({ redis: { url: redis.server.url, options: { keyPrefix: 'app:' } } });
    await a.set('k', 1);
    await heldInMemory(b, 'k'); // served from memory: b's lease holds, so its heartbeats echo under the prefix
    await a.set('k', 2);
    await waitUntil('b sees the write', 2000, async () => (await b.get('k')) === 2);
  });

  it('a TTL expiring in Redis evicts the key', async () => {
    const [a, b, namespace] = await twoInstances();
    await a.set('k', 'v', { ttl: '1h' });
    await redis.redis.pexpire(`${namespace}:k`, 300); // Redis expires it long before the entry's own expiry says
    await sleep(20);
    expect(await b.get('k')).toBe('v'); // kept in memory (the entry says 1 h)
    await waitUntil('the expiry reaches b', 3000, async () => (await b.get('k')) === undefined);
  });

  it('an eviction by maxmemory evicts the key', async () => {
    const [a, b, namespace] = await twoInstances();
    const keys = Array.from({ length: 50 }, (_, i) => `e${i}`);
    for (const key of keys) await a.set(key, key);
    expect(await b.mget(keys)).toEqual(keys);
    const filler = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 200 && (await redis.redis.exists(...keys.map((key) => `${namespace}:${key}`))) === keys.length; i++)
      await redis.redis.set(`filler:${namespace}:${i}`, filler);
    const gone: string[] = [];
    for (const key of keys) if ((await redis.redis.exists(`${namespace}:${key}`)) === 0) gone.push(key);
    expect(gone.length).toBeGreaterThan(0);
    await waitUntil('evictions reach b', 2000, async () => (await b.mget(gone)).every((value) => value === undefined));
    await redis.redis.flushall();
  });

  it('FLUSHALL empties every instance’s tier, counted as a flush', async () => {
    const [a, b, namespace] = await twoInstances();
    await a.set('k', 1);
    expect(await a.get('k')).toBe(1);
    expect(await b.get('k')).toBe(1);
    const before = await metricValue('cache_l1_flushes_total', { namespace, reason: 'flushall' });
    await redis.redis.flushall();
    await waitUntil('a and b see the flush', 2000, async () => (await a.get('k')) === undefined && (await b.get('k')) === undefined);
    expect(await metricValue('cache_l1_flushes_total', { namespace, reason: 'flushall' })).toBeGreaterThanOrEqual(before + 2);
  });

  it('an invalidated tag evicts the entries carrying it on every instance', async () => {
    const [a, b] = await twoInstances();
    await a.set('p1', 'one', { tags: ['product:1'] });
    await a.set('p2', 'two', { tags: ['product:2'] });
    expect(await b.getOrSet('p1', () => 'loaded', { tags: ['product:1'] })).toBe('one');
    expect(await b.get('p2')).toBe('two');
    await a.invalidateTags('product:1');
    await waitUntil('b drops p1', 2000, async () => (await b.get('p1')) === undefined);
    expect(await b.get('p2')).toBe('two');
  });

  it('a namespace opts in (or out) on its own: the others are never served from memory', async () => {
    const namespace = `l1c${++seq}`;
    const { module, cache } = await bootCache({
      namespace,
      redis: { url: redis.server.url },
      namespaces: { [`${namespace}-hot`]: { l1: { maxEntries: 10 } } },
    });
    modules.push(module);
    const hot = cache.withNamespace(`${namespace}-hot`);
    await cache.set('k', 1);
    await hot.set('k', 1);
    await cache.get('k');
    await heldInMemory(hot, 'k');
    const plainHits = await metricValue('cache_l1_hits_total', { namespace });
    const hotHits = await metricValue('cache_l1_hits_total', { namespace: `${namespace}-hot` });
    await cache.get('k');
    await hot.get('k');
    expect(await metricValue('cache_l1_hits_total', { namespace })).toBe(plainHits);
    expect(await metricValue('cache_l1_hits_total', { namespace: `${namespace}-hot` })).toBe(hotHits + 1);
  });

  it('never holds more than maxEntries or maxBytes', async () => {
    const namespace = `l1c${++seq}`;
    const { module, cache: a } = await bootCache({ namespace, redis: { url: redis.server.url }, l1: { maxEntries: 5, maxBytes: 4096 } });
    modules.push(module); // one instance: the gauges are per namespace and process
    for (let i = 0; i < 20; i++) await a.set(`k${i}`, 'v'.repeat(100));
    for (let i = 0; i < 20; i++) await a.get(`k${i}`);
    expect(await metricValue('cache_l1_entries', { namespace })).toBe(5);
    for (let i = 0; i < 20; i++) await a.set(`big${i}`, 'v'.repeat(1000), { ttl: '1m' });
    for (let i = 0; i < 20; i++) await a.get(`big${i}`);
    expect(await metricValue('cache_l1_bytes', { namespace })).toBeLessThanOrEqual(4096);
    expect(await metricValue('cache_l1_entries', { namespace })).toBeGreaterThan(0);
  });

  it('turns tracking off on a client passed in, which outlives the app', async () => {
    const client = new Redis(redis.server.url);
    try {
      const { module } = await bootCache({ namespace: `l1c${++seq}`, redis: { client }, l1: {} });
      const flags = async (): Promise<string> => {
        const id = String(await client.client('ID'));
        const line = ((await redis.redis.client('LIST')) as string).split('\n').find((row) => row.startsWith(`id=${id} `))!;
        return /flags=(\S*)/.exec(line)![1];
      };
      expect(await flags()).toContain('t');
      await module.close();
      await waitUntil('tracking off', 2000, async () => !(await flags()).includes('t'));
    } finally {
      client.disconnect();
    }
  });

  it('leaves no tracking connection open after the app closes', async () => {
    await twoInstances();
    // t: a data connection with tracking on; P: a subscriber (the redirect target)
    const tracking = async () => ((await redis.redis.client('LIST')) as string).split('\n').filter((line) => /flags=\S*[tP]/.test(line));
    expect((await tracking()).length).toBeGreaterThanOrEqual(4);
    await Promise.all(modules.map((module) => module.close()));
    modules = [];
    await waitUntil('tracking connections closed', 2000, async () => (await tracking()).length === 0);
  });
});
