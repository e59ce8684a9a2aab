import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { Cacheable, CacheError, CacheModule } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { storedValue } from '../support/stored-entry.js';

describe('getOrSetMany', () => {
  const db = useRedisServer();
  beforeEach(() => db.redis.flushdb());

  it('100 keys, 20 missing: one MGET, one loader call with those 20, one round trip of leases, one of writes (counted with MONITOR)', async () => {
    const { module, cache } = await bootCache({ namespace: 'many', redis: { url: db.server.url } });
    const client = new Redis(db.server.port, '127.0.0.1');
    const monitor = await client.monitor(); // a connection of its own
    try {
      const keys = Array.from({ length: 100 }, (_, i) => `item:${i}`);
      await cache.mset(keys.filter((_, i) => i % 5 !== 0).map((key) => ({ key, value: `cached ${key}`, ttl: '1m' })));
      const commands: string[][] = [];
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (args.some((arg) => arg.startsWith('many:'))) commands.push(args);
      });
      await sleep(50); // MONITOR is live
      const loaderCalls: string[][] = [];
      const values = await cache.getOrSetMany(
        keys,
        async (missing) => {
          loaderCalls.push(missing);
          return missing.map((key) => `loaded ${key}`);
        },
        { ttl: '1m' },
      );
      expect(values).toEqual(keys.map((key, i) => (i % 5 === 0 ? `loaded ${key}` : `cached ${key}`)));
      expect(loaderCalls).toEqual([keys.filter((_, i) => i % 5 === 0)]);
      await sleep(100); // MONITOR lines arrive after the replies
      const names = commands.map(([name]) => name.toLowerCase());
      expect(names.filter((name) => name === 'mget')).toHaveLength(1);
      expect(commands.find(([name]) => name.toLowerCase() === 'mget')).toHaveLength(101);
      // Per missing key: a lease script (GET, SET of the lease), then a write script over it (GETRANGE, SET of the entry).
      expect(names.filter((name) => name === 'eval')).toHaveLength(40);
      expect(names.filter((name) => name === 'set')).toHaveLength(40);
      expect(names.filter((name) => !['mget', 'eval', 'get', 'getrange', 'set'].includes(name))).toEqual([]); // no lock, nothing else
      const firstWrite = names.indexOf('getrange') - 1; // the EVAL of the first write-back
      expect(names.slice(0, firstWrite).filter((name) => name === 'eval')).toHaveLength(20); // every lease before any write
      expect(names.slice(firstWrite).filter((name) => name === 'get')).toEqual([]);
      expect(await storedValue(db.redis, 'many:item:0')).toBe('loaded item:0');
      expect(await db.redis.pttl('many:item:0')).toBeGreaterThan(55_000);
    } finally {
      monitor.disconnect();
      client.disconnect();
      await module.close();
    }
  });

  it('keeps single flight per key with getOrSet, both ways, and accepts a Map from the loader', async () => {
    const { module, cache } = await bootCache({ namespace: 'many-flight', redis: { url: db.server.url } });
    try {
      let release!: () => void;
      const slowSingle = cache.getOrSet('a', () => new Promise<string>((resolve) => (release = () => resolve('from getOrSet'))));
      await sleep(20);
      let batchLoads = 0;
      const batch = cache.getOrSetMany(['a', 'b', 'c'], async (missing) => {
        batchLoads++;
        expect(missing).toEqual(['b', 'c']); // 'a' is loading already
        await sleep(50);
        return new Map(missing.map((key) => [key, `batch ${key}`]));
      });
      await sleep(20);
      const joined = cache.getOrSet('b', () => 'never run');
      release();
      expect(await batch).toEqual(['from getOrSet', 'batch b', 'batch c']);
      expect(await joined).toBe('batch b');
      expect(await slowSingle).toBe('from getOrSet');
      expect(batchLoads).toBe(1);
      expect(await cache.getOrSetMany(['a', 'b', 'a'], () => ({}))).toEqual(['from getOrSet', 'batch b', 'from getOrSet']);
    } finally {
      await module.close();
    }
  });

  it('does not store what the loader left out, and passes its error to every caller', async () => {
    const { module, cache } = await bootCache({ namespace: 'many-gaps', redis: { url: db.server.url } });
    try {
      expect(await cache.getOrSetMany(['x', 'y'], () => ({ x: 1 }))).toEqual([1, undefined]);
      expect(await db.redis.exists('many-gaps:y')).toBe(0);
      const failure = new Error('db down');
      await expect(cache.getOrSetMany(['y', 'z'], () => Promise.reject(failure))).rejects.toBe(failure);
      await expect(cache.getOrSetMany('x' as never, () => [])).rejects.toThrow(CacheError);
    } finally {
      await module.close();
    }
  });

  it('the batch form of @Cacheable reads cached ids and calls the method with only the rest', async () => {
    const asked: number[][] = [];
    @Injectable()
    class Products {
      @Cacheable({ batch: true, key: (id: number) => `product:${id}`, ttl: '1m' })
      async findByIds(ids: number[]) {
        asked.push(ids);
        return ids.filter((id) => id !== 404).map((id) => ({ id }));
      }

      @Cacheable({ batch: 'map', key: (id: number, locale: string) => `name:${locale}:${id}` })
      async namesByIds(ids: number[], locale: string) {
        asked.push(ids);
        return new Map(ids.map((id) => [id, `${locale} ${id}`]));
      }
    }
    const module = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: 'batch-method', redis: { url: db.server.url } })],
      providers: [Products],
    }).compile();
    await module.init();
    try {
      const products = module.get(Products);
      expect(await products.findByIds([1, 2, 3])).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
      expect(await products.findByIds([2, 3, 4])).toEqual([{ id: 2 }, { id: 3 }, { id: 4 }]);
      expect(asked).toEqual([[1, 2, 3], [4]]);
      expect(await storedValue(db.redis, 'batch-method:product:4')).toEqual({ id: 4 });
      expect(await products.namesByIds([7, 8], 'fr')).toEqual(new Map([[7, 'fr 7'], [8, 'fr 8']]));
      expect(await products.namesByIds([8, 9], 'fr')).toEqual(new Map([[8, 'fr 8'], [9, 'fr 9']]));
      expect(asked.slice(2)).toEqual([[7, 8], [9]]);
    } finally {
      await module.close();
    }
  });

  it('refuses a batch form it cannot honour, at class definition', () => {
    expect(() => {
      class Bad {
        @Cacheable({ batch: true, key: 'one-key' })
        async find(_ids: number[]) {
          return [];
        }
      }
      return Bad;
    }).toThrow('option "batch" needs "key" to be a function');
  });
});
