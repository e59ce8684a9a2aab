import { setTimeout as sleep } from 'node:timers/promises';
import type { CacheManager } from '@datapunk/nestjs-cache';
import type { TestingModule } from '@nestjs/testing';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { storedValue } from '../support/stored-entry.js';

describe('stampede protection', () => {
  const db = useRedisServer();

  beforeEach(() => db.redis.flushdb());

  it('runs the loader once for 1,000 concurrent calls on a cold key in one process', async () => {
    const { module, cache } = await bootCache({ namespace: 'stampede', redis: { url: db.server.url } });
    let loads = 0;
    const loader = async () => {
      loads++;
      await sleep(50);
      return { rendered: 'page' };
    };
    const results = await Promise.all(Array.from({ length: 1000 }, () => cache.getOrSet('cold', loader)));
    expect(loads).toBe(1);
    expect(results.every((value) => value.rendered === 'page')).toBe(true);
    await module.close();
  });

  it('gives every concurrent caller the same error when the loader fails, and caches nothing', async () => {
    const { module, cache } = await bootCache({ namespace: 'stampede', redis: { url: db.server.url } });
    let loads = 0;
    const failure = new Error('backend down');
    const loader = async () => {
      loads++;
      await sleep(20);
      throw failure;
    };
    const outcomes = await Promise.allSettled(Array.from({ length: 100 }, () => cache.getOrSet('failing', loader)));
    expect(loads).toBe(1);
    expect(outcomes.every((outcome) => outcome.status === 'rejected' && outcome.reason === failure)).toBe(true);
    expect(await db.redis.exists('stampede:failing')).toBe(0);
    await module.close();
  });

  it('with the lock, runs the loader once across instances on separate connections', async () => {
    const instances: Array<{ module: TestingModule; cache: CacheManager }> = [];
    for (let i = 0; i < 4; i++) instances.push(await bootCache({ namespace: 'fleet', redis: { url: db.server.url }, lock: true }));
    let loads = 0;
    const loader = async () => {
      loads++;
      await sleep(100);
      return 'computed once';
    };
    const results = await Promise.all(instances.flatMap(({ cache }) => Array.from({ length: 25 }, () => cache.getOrSet('report', loader))));
    expect(loads).toBe(1);
    expect(new Set(results)).toEqual(new Set(['computed once']));
    expect(await db.redis.exists('fleet:__lock__:report')).toBe(0); // released
    for (const { module } of instances) await module.close();
  });

  it('without the lock, each instance runs its own loader', async () => {
    const instances: Array<{ module: TestingModule; cache: CacheManager }> = [];
    for (let i = 0; i < 3; i++) instances.push(await bootCache({ namespace: 'nolock', redis: { url: db.server.url } }));
    let loads = 0;
    const loader = async () => {
      loads++;
      await sleep(50);
      return 'v';
    };
    await Promise.all(instances.map(({ cache }) => cache.getOrSet('k', loader)));
    expect(loads).toBe(3);
    for (const { module } of instances) await module.close();
  });

  it('a waiter runs the loader itself when the holder never delivers within maxWait', async () => {
    const { module, cache } = await bootCache({ namespace: 'orphan', redis: { url: db.server.url }, lock: { ttl: '5s', maxWait: 200 } });
    await db.redis.set('orphan:__lock__:k', 'someone-elses-token', 'PX', 5000); // a holder that died
    expect(await cache.getOrSet('k', () => 'own value', { lock: true })).toBe('own value');
    expect(await storedValue(db.redis, 'orphan:k')).toEqual('own value');
    expect(await db.redis.get('orphan:__lock__:k')).toBe('someone-elses-token'); // not ours to release
    await module.close();
  });

  it('module lock settings without enabled: true only tune per-call locks', async () => {
    const { module, cache } = await bootCache({ namespace: 'tuned', redis: { url: db.server.url }, lock: { maxWait: '3s' } });
    try {
      await db.redis.set('tuned:__lock__:k', 'someone-elses-token', 'PX', 5000);
      const startedAt = performance.now();
      expect(await cache.getOrSet('k', () => 'loaded')).toBe('loaded');
      expect(performance.now() - startedAt).toBeLessThan(1500); // did not wait the 3 s for the lock holder
      expect(await storedValue(db.redis, 'tuned:k')).toEqual('loaded');
    } finally {
      await module.close();
    }
  });
});
