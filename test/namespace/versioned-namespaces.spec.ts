import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Cluster, type Redis } from 'ioredis';
import { Cacheable, CacheError, CacheInvalidate, CacheManager, CacheModule, type CacheModuleOptions } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { RedisCluster } from '../support/redis-cluster.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { waitUntil } from '../support/wait-until.js';

/** Every key under `prefix` on one node (SCAN, as a user would look). */
async function keysUnder(node: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found.sort();
}

/** Calls of one command since the last CONFIG RESETSTAT (INFO commandstats). */
async function commandCalls(node: Redis, command: string): Promise<number> {
  const stats = await node.info('commandstats');
  return Number(stats.match(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm'))?.[1] ?? 0);
}

describe('versioned namespaces on a redis-server', () => {
  const db = useRedisServer();
  const boot = (extra: Partial<CacheModuleOptions>) => bootCache({ namespace: 'orders', redis: { url: db.server.url }, ...extra });

  afterEach(() => db.redis.flushall());

  it('version becomes part of every key, so a deploy with a new version never reads entries of the old shape', async () => {
    const v3 = await boot({ version: 3 });
    const v4 = await boot({ version: 4 });
    try {
      expect(v3.cache.version).toBe('3');
      await v3.cache.set('order:1', { total: '42.00' }); // the old shape: a string total
      expect(await db.redis.exists('orders:v3:order:1')).toBe(1);
      await v3.cache.getOrSet('page', () => 'v3 page', { tags: ['catalog'], lock: true });
      expect(await keysUnder(db.redis, 'orders:v3:__tag__:')).toEqual(['orders:v3:__tag__:catalog']);

      // The new deploy: version 4 reads nothing of version 3, loads, and writes beside it.
      expect(await v4.cache.get('order:1')).toBeUndefined();
      expect(await v4.cache.getOrSet('order:1', () => ({ totalCents: 4200 }))).toEqual({ totalCents: 4200 });
      expect(await v4.cache.mget(['order:1', 'page'])).toEqual([{ totalCents: 4200 }, undefined]);
      expect(await v3.cache.get('order:1')).toEqual({ total: '42.00' }); // the old instances keep theirs meanwhile

      // A versioned clear() removes its own version only.
      expect(await v4.cache.clear()).toBe(1);
      expect(await v3.cache.get('order:1')).toEqual({ total: '42.00' });
    } finally {
      await v3.module.close();
      await v4.module.close();
    }
  });

  it('clearVersion(old) removes that version’s entries, locks and tag tokens in SCAN + UNLINK batches, and nothing else', async () => {
    const old = await boot({ version: 1, operationTimeout: 5000 }); // 2,500 writes in one pipeline on a shared box
    const { module, cache } = await boot({ version: 2, operationTimeout: 5000 });
    try {
      const entries = Array.from({ length: 2500 }, (_, i) => ({ key: `item:${i}`, value: i }));
      await old.cache.mset(entries);
      await old.cache.set('tagged', 1, { tags: ['a', 'b'] });
      await db.redis.set('orders:v1:__lock__:item:1', 'held', 'PX', 60_000); // a lock a dying instance left behind
      await cache.set('item:1', 'current');
      await db.redis.set('orders:item:1', 'unversioned');
      await db.redis.set('orders:v10:item:1', 'version 10');
      await db.redis.set('customers:v1:item:1', 'another namespace');
      const oldKeys = (await keysUnder(db.redis, 'orders:v1:')).length;
      expect(oldKeys).toBe(2500 + 1 + 2 + 1); // entries, the tagged one, its two tokens, the lock

      await db.redis.config('RESETSTAT');
      expect(await cache.clearVersion(1)).toBe(oldKeys);
      expect(await commandCalls(db.redis, 'scan')).toBeGreaterThanOrEqual(3); // batches of 1000, not one KEYS
      expect(await commandCalls(db.redis, 'unlink')).toBeGreaterThanOrEqual(3);
      expect(await commandCalls(db.redis, 'keys')).toBe(0);

      expect(await keysUnder(db.redis, 'orders:v1:')).toEqual([]);
      expect(await cache.get('item:1')).toBe('current');
      expect(await db.redis.mget('orders:item:1', 'orders:v10:item:1', 'customers:v1:item:1')).toEqual([
        'unversioned',
        'version 10',
        'another namespace',
      ]);
      expect(await cache.clearVersion('1')).toBe(0); // '1' and 1 are one version; nothing is left
    } finally {
      await old.module.close();
      await module.close();
    }
  });

  it('per namespace: withNamespace(ns, { version }), the namespaces option, and other versions of the same namespace', async () => {
    const { module, cache } = await boot({ version: 3, namespaces: { reports: { version: '2026-11', serializer: 'msgpack' } } });
    try {
      await cache.withNamespace('customers', { version: 2 }).set('c', 1);
      await cache.withNamespace('reports').set('r', new Map([[1, 2]]));
      await cache.withNamespace('plain').set('p', 1);
      expect((await keysUnder(db.redis, '')).sort()).toEqual(['customers:v2:c', 'plain:p', 'reports:v2026-11:r']);
      expect(await cache.withNamespace('reports').get('r')).toEqual(new Map([[1, 2]])); // its serializer too

      // One manager per namespace and version.
      expect(cache.withNamespace('orders')).toBe(cache);
      expect(cache.withNamespace('orders', { version: 3 })).toBe(cache);
      const v5 = cache.withNamespace('orders', { version: 5 });
      expect(v5).not.toBe(cache);
      expect(v5.version).toBe('5');
      expect(cache.withNamespace('customers', { version: 2 })).toBe(cache.withNamespace('customers', { version: '2' }));
      await v5.set('k', 'five');
      expect(await cache.get('k')).toBeUndefined();
      expect(await v5.clearVersion(3)).toBe(0);
      await cache.set('k', 'three');
      expect(await v5.clearVersion(3)).toBe(1);
      expect(await v5.get('k')).toBe('five');
    } finally {
      await module.close();
    }
  });

  it('@Cacheable and @CacheInvalidate take a version', async () => {
    let loads = 0;
    @Injectable()
    class Prices {
      @Cacheable({ key: (id: string) => `price:${id}`, version: 2 })
      async price(id: string) {
        loads++;
        return { id, cents: 100 };
      }

      @Cacheable({ key: (id: string) => `rate:${id}`, namespace: 'fx', version: 'b' })
      async rate(_id: string) {
        loads++;
        return 1.1;
      }

      @CacheInvalidate({ keys: (id: string) => [`price:${id}`], version: 2 })
      async change(_id: string) {}
    }
    const module = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: 'orders', redis: { url: db.server.url } })],
      providers: [Prices],
    }).compile();
    await module.init();
    try {
      const prices = module.get(Prices);
      expect(await prices.price('1')).toEqual({ id: '1', cents: 100 });
      expect(await prices.price('1')).toEqual({ id: '1', cents: 100 });
      expect(await prices.rate('eur')).toBe(1.1);
      expect(loads).toBe(2);
      expect((await keysUnder(db.redis, '')).sort()).toEqual(['fx:vb:rate:eur', 'orders:v2:price:1']);
      await prices.change('1');
      expect(await db.redis.exists('orders:v2:price:1')).toBe(0);
      expect(await module.get(CacheManager).get('price:1')).toBeUndefined(); // the unversioned namespace never had it
    } finally {
      await module.close();
    }
  });

  it('with the in-process tier, a tag invalidated on one instance evicts the versioned entries it holds on another', async () => {
    const a = await boot({ version: 3, l1: {}, operationTimeout: 1000 });
    const b = await boot({ version: 3, l1: {}, operationTimeout: 1000 });
    try {
      await a.cache.set('p1', 'one', { tags: ['product:1'] });
      await a.cache.set('p2', 'two', { tags: ['product:2'] });
      // Held in b's memory: two reads give the very same object.
      await waitUntil('b holds p1 in memory', 2000, async () => (await b.cache.get('p1')) === 'one' && (await b.cache.get('p1')) === 'one');
      await waitUntil('b holds p2 in memory', 2000, async () => (await b.cache.get('p2')) === 'two');
      await a.cache.invalidateTags('product:1'); // replaces orders:v3:__tag__:product:1, which b's tracking reports
      await waitUntil('b drops p1', 2000, async () => (await b.cache.get('p1')) === undefined);
      expect(await b.cache.get('p2')).toBe('two');
    } finally {
      await a.module.close();
      await b.module.close();
    }
  });

  describe('bad versions are a CacheError naming where', () => {
    it.each([-1, 1.5, Number.NaN, '', 'a:b', 'v*', '_x', 'x'.repeat(65), null, {}, true])('version %p', async (version) => {
      await expect(boot({ version: version as never })).rejects.toThrow(/option "version" must be a non-negative integer or a string/);
      await expect(boot({ namespaces: { x: { version: version as never } } })).rejects.toThrow(/option "namespaces\.x\.version" must be/);
      const { module, cache } = await boot({});
      try {
        expect(() => cache.withNamespace('x', { version: version as never })).toThrow(/withNamespace\("x"\) option "version" must be/);
        const failure = await cache.clearVersion(version as never).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(CacheError);
        expect((failure as CacheError).operation).toBe('clear');
        expect((failure as CacheError).message).toMatch(/clearVersion\(version\) must be/);
      } finally {
        await module.close();
      }
      expect(() => Cacheable({ version: version as never })).toThrow(/@Cacheable option "version" must be/);
    });

    it('clearVersion of the current version is refused (that is clear())', async () => {
      const { module, cache } = await boot({ version: 7 });
      try {
        await cache.set('k', 1);
        await expect(cache.clearVersion(7)).rejects.toThrow(/version "7" is the current version of "orders": use clear\(\)/);
        expect(await cache.get('k')).toBe(1);
      } finally {
        await module.close();
      }
    });

    it('version and namespaces.<own namespace>.version must agree', async () => {
      await expect(boot({ version: 1, namespaces: { orders: { version: 2 } } })).rejects.toThrow(
        /options "version" and "namespaces\.orders\.version" contradict each other/,
      );
    });
  });
});

describe('clearVersion on a 3-master Redis Cluster', () => {
  let cluster: RedisCluster;

  beforeAll(async () => {
    cluster = await RedisCluster.start();
  }, 30_000);

  afterAll(() => cluster?.stop());

  it('removes the old version’s keys from every master, and nothing else', async () => {
    const redis = { cluster: { nodes: cluster.nodes } };
    const operationTimeout = 5000; // 3,000 writes at once on a shared 2-core box: room beyond the 250 ms default
    const old = await bootCache({ namespace: 'orders', version: 1, redis, operationTimeout });
    const { module, cache } = await bootCache({ namespace: 'orders', version: 2, redis, operationTimeout });
    const raw = new Cluster(cluster.nodes);
    try {
      await old.cache.mset(Array.from({ length: 3000 }, (_, i) => ({ key: `item:${i}`, value: i })));
      await cache.set('item:1', 'current');
      const masters = raw.nodes('master');
      expect(masters).toHaveLength(3);
      const perMaster = await Promise.all(masters.map(async (node) => (await keysUnder(node, 'orders:v1:')).length));
      expect(perMaster.every((count) => count > 0)).toBe(true); // the old version is spread over every master
      expect(perMaster.reduce((sum, count) => sum + count, 0)).toBe(3000);

      expect(await cache.clearVersion(1)).toBe(3000);
      expect(await Promise.all(masters.map((node) => keysUnder(node, 'orders:v1:')))).toEqual([[], [], []]);
      expect(await cache.get('item:1')).toBe('current');
    } finally {
      raw.disconnect();
      await old.module.close();
      await module.close();
    }
  });
});
