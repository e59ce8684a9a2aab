import { setTimeout as sleep } from 'node:timers/promises';
import type { CacheManager } from '@datapunk/nestjs-cache';
import type { TestingModule } from '@nestjs/testing';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { waitUntil } from '../support/wait-until.js';
import { metricValue } from '../faults/fault-harness.js';

describe('stale serving', () => {
  const db = useRedisServer();
  beforeEach(() => db.redis.flushdb());

  it('staleWhileRevalidate serves the old value past the TTL while one background load replaces it', async () => {
    const { module, cache } = await bootCache({ namespace: 'swr', redis: { url: db.server.url }, staleWhileRevalidate: '1m' });
    try {
      await cache.getOrSet('k', () => 'v1', { ttl: 200 });
      const pttl = await db.redis.pttl('swr:k');
      expect(pttl).toBeGreaterThan(55_000); // kept for the logical TTL plus the stale window
      expect(await cache.ttl('k')).toBeLessThanOrEqual(200); // the logical remainder
      await sleep(250);
      expect(await cache.ttl('k')).toBeUndefined(); // past the logical TTL
      expect(await cache.get('k')).toBeUndefined(); // only read-through serves stale
      let release!: () => void;
      let loads = 0;
      const slow = async () => {
        loads++;
        await new Promise<void>((resolve) => (release = resolve));
        return 'v2';
      };
      const served = await Promise.all(Array.from({ length: 10 }, () => cache.getOrSet('k', slow, { ttl: '1m' })));
      expect(served).toEqual(Array(10).fill('v1')); // the load is still held: nobody waited for it
      expect(await metricValue('cache_stale_served_total', { namespace: 'swr', reason: 'revalidating' })).toBeGreaterThanOrEqual(1);
      await waitUntil('the background load to start', 2000, async () => loads === 1);
      release();
      await waitUntil('the revalidated value', 5000, async () => (await cache.get('k')) === 'v2');
      expect(loads).toBe(1);
      expect(await metricValue('cache_loads_total', { namespace: 'swr', trigger: 'stale' })).toBe(1);
    } finally {
      await module.close();
    }
  });

  it('staleIfError serves the last value when the loader throws, and its error once the value is too old', async () => {
    const { module, cache } = await bootCache({
      namespace: 'sie',
      redis: { url: db.server.url },
      staleIfError: 800,
      failedLoaderThrottle: 100,
    });
    try {
      await cache.getOrSet('k', () => 'last good', { ttl: 100 });
      await sleep(150);
      const failure = new Error('database down');
      expect(await cache.getOrSet('k', () => Promise.reject(failure), { ttl: 100 })).toBe('last good');
      expect(await metricValue('cache_stale_served_total', { namespace: 'sie', reason: 'loader_error' })).toBe(1);
      await sleep(900); // past the logical TTL plus staleIfError: nothing to fall back on
      await expect(cache.getOrSet('k', () => Promise.reject(failure), { ttl: 100 })).rejects.toBe(failure);
    } finally {
      await module.close();
    }
  });

  it('loaderTimeout serves the stale value and lets the load finish and store in the background', async () => {
    const { module, cache } = await bootCache({ namespace: 'soft', redis: { url: db.server.url }, staleIfError: '1m', loaderTimeout: 50 });
    try {
      await cache.getOrSet('k', () => 'old', { ttl: 100 });
      await sleep(150);
      let release!: () => void;
      const slow = () => new Promise<string>((resolve) => (release = () => resolve('new')));
      expect(await cache.getOrSet('k', slow, { ttl: '1m' })).toBe('old'); // the load is still held
      expect(await metricValue('cache_stale_served_total', { namespace: 'soft', reason: 'loader_timeout' })).toBe(1);
      release();
      await waitUntil('the late value to be stored', 5000, async () => (await cache.get('k')) === 'new');
    } finally {
      await module.close();
    }
  });

  it('a failing database for a while: zero caller errors, at most one loader attempt per throttle window across 3 instances', async () => {
    const throttleMs = 300;
    const outageMs = 2000; // the 30 s, scaled
    const instances: Array<{ module: TestingModule; cache: CacheManager }> = [];
    for (let i = 0; i < 3; i++) {
      instances.push(
        await bootCache({
          namespace: 'db-down',
          redis: { url: db.server.url },
          staleIfError: '1m',
          failedLoaderThrottle: throttleMs,
          loaderTimeout: 200,
        }),
      );
    }
    let databaseUp = true;
    let attempts = 0;
    const loader = async () => {
      attempts++;
      await sleep(5);
      if (!databaseUp) throw new Error('connection refused');
      return { at: Date.now() };
    };
    try {
      await instances[0].cache.getOrSet('report', loader, { ttl: 100 });
      await sleep(150); // past its logical TTL
      databaseUp = false;
      attempts = 0;
      let errors = 0;
      let served = 0;
      const deadline = Date.now() + outageMs;
      await Promise.all(
        instances.flatMap(({ cache }) =>
          Array.from({ length: 4 }, async () => {
            while (Date.now() < deadline) {
              try {
                await cache.getOrSet('report', loader, { ttl: 100 });
                served++;
              } catch {
                errors++;
              }
              await sleep(10);
            }
          }),
        ),
      );
      console.info(
        `database down ${outageMs} ms: ${served} answers, ${errors} errors, ${attempts} loader attempts (throttle ${throttleMs} ms)`,
      );
      expect(errors).toBe(0);
      expect(served).toBeGreaterThan(100);
      expect(attempts).toBeGreaterThanOrEqual(1);
      expect(attempts).toBeLessThanOrEqual(Math.ceil(outageMs / throttleMs) + 1);
      databaseUp = true;
      await waitUntil('a fresh value after the outage', 5000, async () => {
        await instances[1].cache.getOrSet('report', loader, { ttl: '1m' });
        return (await instances[1].cache.ttl('report')) !== undefined;
      });
    } finally {
      for (const { module } of instances) await module.close();
    }
  });

  it('ttlJitter spreads the TTLs of keys written together', async () => {
    const { module, cache } = await bootCache({ namespace: 'jitter', redis: { url: db.server.url }, ttlJitter: 0.2 });
    try {
      await cache.mset(Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: i, ttl: '100s' })));
      const ttls = await Promise.all(Array.from({ length: 50 }, (_, i) => cache.ttl(`k${i}`)));
      expect(Math.min(...(ttls as number[]))).toBeGreaterThanOrEqual(79_000);
      expect(Math.max(...(ttls as number[]))).toBeLessThanOrEqual(120_000);
      expect(new Set(ttls.map((ttl) => Math.round(ttl! / 1000))).size).toBeGreaterThan(10);
      await cache.set('one', 1, { ttl: '100s', ttlJitter: 0 }); // per call: none
      expect(await cache.ttl('one')).toBeGreaterThan(99_000);
    } finally {
      await module.close();
    }
  });
});
