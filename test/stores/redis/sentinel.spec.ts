import { setTimeout as sleep } from 'node:timers/promises';
import type { TestingModule } from '@nestjs/testing';
import type { CacheManager } from '@datapunk/nestjs-cache';
import { bootCache } from '../../support/cache-app.js';
import { command } from '../../support/redis-cluster.js';
import { RedisSentinel } from '../../support/redis-sentinel.js';
import { storedValueOn } from '../../support/stored-entry.js';

describe('CacheManager through Redis Sentinel', () => {
  let setup: RedisSentinel;
  let module: TestingModule;
  let cache: CacheManager;
  /** One command on whichever server is master now. */
  const onMaster = (name: string, ...args: Array<string | number>) => command(setup.masterPort, name, ...args);

  beforeAll(async () => {
    setup = await RedisSentinel.start();
    ({ module, cache } = await bootCache({
      namespace: 'orders',
      redis: { sentinels: setup.sentinels, name: setup.name },
      defaultTtl: '1m',
    }));
  }, 30_000);

  afterAll(async () => {
    await module?.close();
    await setup?.stop();
  });

  it('finds the master through the Sentinels and runs every operation on it', async () => {
    await cache.set('order:1', { id: 1 });
    expect(await storedValueOn(setup.masterPort, 'orders:order:1')).toEqual({ id: 1 });
    expect(await cache.get('order:1')).toEqual({ id: 1 });
    expect(await cache.has('order:1')).toBe(true);
    expect(await cache.ttl('order:1')).toBeGreaterThan(55_000);
    await cache.mset([
      { key: 'a', value: 'A' },
      { key: 'b', value: null, ttl: '10s' },
    ]);
    expect(await cache.mget(['a', 'missing', 'b'])).toEqual(['A', undefined, null]);
    expect(await cache.invalidate(['a', 'missing'])).toBe(1);
    let loads = 0;
    const loader = async () => {
      loads++;
      await sleep(30);
      return 'loaded';
    };
    expect(await Promise.all(Array.from({ length: 20 }, () => cache.getOrSet('hot', loader, { lock: true })))).toEqual(
      Array(20).fill('loaded'),
    );
    expect(loads).toBe(1);
    await onMaster('set', 'other:keep', '1');
    expect(await cache.clear()).toBe(3); // order:1, b, hot
    expect(await onMaster('keys', '*')).toEqual(['other:keep']);
  });
});
