import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { Cacheable, CacheInvalidate, CacheManager, CacheModule } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { metricValue } from '../faults/fault-harness.js';
import { gate, TOPOLOGIES, type Topology } from '../support/topologies.js';
import { RedisServer } from '../support/redis-server.js';
import { waitUntil } from '../support/wait-until.js';

/**
 * Issue 18 items 4 and 6: a load that started before an invalidation of its key must not be stored after it (a lease
 * taken before the loader, revoked by the invalidation), and single flight must never wedge a key.
 */

/** Lets the lookup miss and the lease be taken: the loader has then read the database. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

describe.each(TOPOLOGIES)('a load racing an invalidation of its key, on $name', (topology) => {
  let setup: Awaited<ReturnType<Topology['start']>>;
  const modules: TestingModule[] = [];
  /** Two service instances on one Redis and namespace. */
  let writer: CacheManager;
  let reader: CacheManager;

  beforeAll(async () => {
    setup = await topology.start();
    for (let i = 0; i < 2; i++) {
      const { module, cache } = await bootCache({ namespace: 'lease', redis: setup.redis, operationTimeout: 1000 });
      modules.push(module);
      (i === 0 ? (v: CacheManager) => (writer = v) : (v: CacheManager) => (reader = v))(cache);
    }
  }, 30_000);
  afterAll(async () => {
    await Promise.all(modules.map((module) => module.close()));
    await setup?.stop();
  });

  const invalidations: Array<[string, (cache: CacheManager, key: string) => Promise<unknown>]> = [
    ['invalidate(key)', (cache, key) => cache.invalidate(key)],
    ['invalidate([keys])', (cache, key) => cache.invalidate([key, `${key}:other`])],
    ['invalidatePrefix', (cache, key) => cache.invalidatePrefix(key)],
    ['clear()', (cache) => cache.clear()],
  ];

  it.each(invalidations)('%s during the load: the old value is returned to its caller, never stored', async (label, invalidate) => {
    for (const [by, other] of [
      ['this instance', false],
      ['another instance', true],
    ] as const) {
      const key = `race:${label}:${by}`;
      const superseded = await metricValue('cache_load_races_total', { namespace: 'lease', reason: 'superseded' });
      const held = gate<string>();
      const early = reader.getOrSet(key, () => held.promise);
      await settle(); // the loader read the old row
      await invalidate(other ? writer : reader, key); // the row changed, then the invalidation completed
      held.open('old');
      expect(await early).toBe('old'); // the call that asked before gets what it loaded
      await waitUntil('the write-back to be refused', 2000, async () => {
        return (await metricValue('cache_load_races_total', { namespace: 'lease', reason: 'superseded' })) > superseded;
      });
      // Nothing served the old value afterwards, on either instance, nor from Redis.
      expect(await reader.get(key)).toBeUndefined();
      expect(await writer.get(key)).toBeUndefined();
      expect(await reader.getOrSet(key, () => 'new')).toBe('new');
      expect(await writer.get(key)).toBe('new');
    }
  });

  it('a load with no invalidation during it is stored as before, and the lease is gone', async () => {
    expect(await reader.getOrSet('plain', async () => 'v1')).toBe('v1');
    expect(await writer.get('plain')).toBe('v1');
    expect(await writer.getOrSet('plain', () => 'v2')).toBe('v1');
  });

  it('two instances loading one missing key at once: the first write-back wins, the other is superseded', async () => {
    const [first, second] = [gate<string>(), gate<string>()];
    const a = reader.getOrSet('both', () => first.promise);
    const b = writer.getOrSet('both', () => second.promise);
    await settle();
    first.open('a');
    expect(await a).toBe('a');
    await waitUntil('the first load to be stored', 2000, async () => (await writer.get('both')) === 'a');
    second.open('b');
    expect(await b).toBe('b');
    await settle();
    expect(await reader.get('both')).toBe('a'); // b joined a's lease, which a's write replaced: b is not stored
  });

  it('getOrSetMany: a key invalidated during the batch load is not stored; the others are', async () => {
    const held = gate<void>();
    const batch = reader.getOrSetMany(['m:1', 'm:2'], async (missing) => {
      await held.promise;
      return missing.map((key) => `old ${key}`);
    });
    await settle();
    await writer.invalidate('m:1');
    held.open();
    expect(await batch).toEqual(['old m:1', 'old m:2']);
    await settle();
    expect(await writer.get('m:1')).toBeUndefined();
    expect(await writer.get('m:2')).toBe('old m:2');
  });

  it('getOrSetMany started after another instance invalidated a key does not join the getOrSet load that predates it', async () => {
    const held = gate<string>();
    const early = reader.getOrSet('joined', () => held.promise);
    await settle(); // the loader read the old row
    await writer.invalidate('joined');
    const batch = reader.getOrSetMany(['joined'], (missing) => missing.map(() => 'new'));
    held.open('old');
    expect(await early).toBe('old'); // it asked before the invalidation
    expect(await batch).toEqual(['new']);
  });

  it('getOrSetMany started after another instance invalidated a tag does not join a tagged getOrSet load that predates it', async () => {
    const held = gate<string>();
    const early = reader.getOrSet('joined:tagged', () => held.promise, { tags: ['joined-tag'] });
    await settle();
    await writer.invalidateTags('joined-tag');
    const batch = reader.getOrSetMany(['joined:tagged'], (missing) => missing.map(() => 'new'));
    held.open('old');
    expect(await early).toBe('old');
    expect(await batch).toEqual(['new']);
  });

  it('a tag-invalidated entry is replaced by the next load (its lease takes the place of the unservable entry)', async () => {
    await writer.set('tagged', 'v1', { tags: ['t'] });
    await writer.invalidateTags('t');
    expect(await reader.getOrSet('tagged', () => 'v2', { tags: ['t'] })).toBe('v2');
    expect(await writer.get('tagged')).toBe('v2');
  });

  it('warm overwrites an entry, but not across an invalidation during its load', async () => {
    await writer.set('warm', 'old');
    expect(await writer.warm([{ key: 'warm', loader: () => 'warmed' }], { skipIfFresh: false })).toMatchObject({ loaded: 1 });
    expect(await reader.get('warm')).toBe('warmed');
    const held = gate<string>();
    const warming = writer.warm([{ key: 'warm', loader: () => held.promise }], { skipIfFresh: false });
    await settle();
    expect(await reader.get('warm')).toBe('warmed'); // the entry is served while its warm load runs
    await reader.invalidate('warm');
    held.open('stale warm');
    await warming;
    await settle();
    expect(await reader.get('warm')).toBeUndefined();
  });

  it('a raw read of a key during its load sees a lease, which every read path takes as a miss', async () => {
    const held = gate<string>();
    const loading = reader.getOrSet('leased', () => held.promise);
    await settle();
    const raw = await (setup.raw as Redis).getBuffer('lease:leased');
    expect(raw?.[0]).toBe(0xc1); // the lease: 0xC1 and 16 random bytes
    expect(raw).toHaveLength(17);
    expect(await writer.get('leased')).toBeUndefined();
    expect(await writer.mget(['leased'])).toEqual([undefined]);
    expect(await writer.ttl('leased')).toBeUndefined();
    const errors = await metricValue('cache_errors_total', { namespace: 'lease' });
    held.open('value');
    expect(await loading).toBe('value');
    expect(await metricValue('cache_errors_total', { namespace: 'lease' })).toBe(errors); // a lease is no corrupt entry
  });
});

@Injectable()
class Products {
  readonly db = new Map<string, string>([['1', 'v1']]);
  readonly reading = gate<void>();
  loads = 0;
  private hold?: Promise<void>;

  holdNextLoad(): () => void {
    const g = gate<void>();
    this.hold = g.promise;
    return () => g.open();
  }

  @Cacheable({ key: (id: string) => `product:${id}` })
  async find(id: string): Promise<string | undefined> {
    this.loads++;
    const row = this.db.get(id); // the database read
    const hold = this.hold;
    this.hold = undefined;
    this.reading.open();
    await hold;
    return row;
  }

  @CacheInvalidate({ keys: (id: string) => [`product:${id}`] })
  async update(id: string, value: string): Promise<void> {
    this.db.set(id, value);
  }
}

describe('@CacheInvalidate racing a @Cacheable load', () => {
  let server: RedisServer;
  let module: TestingModule;

  beforeAll(async () => {
    server = await RedisServer.start();
    module = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: 'lease-decorators', redis: { url: server.url } })],
      providers: [Products],
    }).compile();
    await module.init();
  });
  afterAll(async () => {
    await module?.close();
    await server?.dispose();
  });

  it('the update made during the load is what the next call sees', async () => {
    const products = module.get(Products);
    const release = products.holdNextLoad();
    const early = products.find('1');
    await products.reading.promise;
    await products.update('1', 'v2');
    release();
    expect(await early).toBe('v1');
    await settle();
    expect(await products.find('1')).toBe('v2');
    expect(products.loads).toBe(2);
  });
});

describe('single flight never wedges a key', () => {
  let server: RedisServer;
  let cache: CacheManager;
  let module: TestingModule;

  beforeAll(async () => {
    server = await RedisServer.start();
    ({ module, cache } = await bootCache({ namespace: 'wedge', redis: { url: server.url } }));
  });
  afterAll(async () => {
    await module?.close();
    await server?.dispose();
  });

  it('a loader that never settles is joined only until loaderTimeout: a later call loads for itself (counted)', async () => {
    const never = cache.getOrSet('stuck', () => new Promise<string>(() => undefined), { loaderTimeout: 100 });
    never.catch(() => undefined);
    await settle();
    const joined = cache.getOrSet('stuck', () => 'mine', { loaderTimeout: 100 });
    await new Promise((resolve) => setTimeout(resolve, 120)); // past the first load's loaderTimeout
    const later = await cache.getOrSet('stuck', () => 'later', { loaderTimeout: 100 });
    expect(later).toBe('later');
    expect(await metricValue('cache_load_races_total', { namespace: 'wedge', reason: 'abandoned' })).toBe(1);
    expect(await cache.get('stuck')).toBe('later');
    void joined; // joined the stuck load before the bound: it waits with it (its caller's own timeout applies)
  });

  it('invalidate(key) detaches a load in flight: a call after it never joins it', async () => {
    const held = gate<string>();
    const early = cache.getOrSet('detach', () => held.promise);
    await settle();
    await cache.invalidate('detach');
    const late = await cache.getOrSet('detach', () => 'after');
    expect(late).toBe('after');
    held.open('before');
    expect(await early).toBe('before');
    await settle();
    expect(await cache.get('detach')).toBe('after');
  });
});
