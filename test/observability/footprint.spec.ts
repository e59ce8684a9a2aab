import { register } from 'prom-client';
import type { TestingModule } from '@nestjs/testing';
import { CacheError, type CacheManager } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { waitUntil } from '../support/wait-until.js';
import { commandTime, fillKeyspace, scanFootprint, totalUsec } from '../support/keyspace.js';
import { DRAWS_PER_MINUTE, drawsFor } from '../../lib/observability/footprint/footprint-sampler.js';

/** The gauge's value for `labels` in prom-client's default registry (undefined when the series does not exist). */
async function gauge(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = register.getSingleMetric(name);
  const values = metric ? (await metric.get()).values : [];
  return values.find((sample) => Object.entries(labels).every(([label, value]) => sample.labels[label] === value))?.value;
}

function relativeDifference(estimate: number, truth: number): number {
  return Math.abs(estimate - truth) / truth;
}

async function footprintOf(cache: CacheManager) {
  await waitUntil(`a footprint estimate of ${cache.namespace}`, 20_000, async () => cache.stats().footprint !== null);
  return cache.stats().footprint!;
}

describe('footprint sampler', () => {
  describe('on 100,000 keys', () => {
    const db = useRedisServer();
    const modules: TestingModule[] = [];
    afterAll(() => Promise.all(modules.map((module) => module.close())));

    it('estimates namespaces holding 10 % and 30 % of the keys against a full SCAN, within the error it reports, for at most 50 ms of Redis command time', async () => {
      await fillKeyspace(
        db.redis,
        100_000,
        [
          ['fp-a', 0.1],
          ['fp-b', 0.3],
        ],
        'other-app',
      );
      await db.redis.config('RESETSTAT');
      const booted = await bootCache({ namespace: 'fp-a', redis: { url: db.server.url }, namespaces: { 'fp-b': {} }, footprint: {} });
      modules.push(booted.module);
      const a = await footprintOf(booted.cache);
      const b = await footprintOf(booted.cache.withNamespace('fp-b'));
      const cost = await commandTime(db.redis);

      // The default path draws keys at random: no SCAN, and one sampling run for the minute.
      expect(cost.has('scan')).toBe(false);
      expect(cost.get('randomkey')?.calls).toBe(DRAWS_PER_MINUTE);
      expect(totalUsec(cost)).toBeLessThanOrEqual(50_000);

      const truth = await scanFootprint(db.redis, ['fp-a', 'fp-b']);
      for (const [estimate, exact, share] of [
        [a, truth.get('fp-a')!, 0.1],
        [b, truth.get('fp-b')!, 0.3],
      ] as const) {
        // The error it reports is the standard error of 5,000 draws: √((1 − p) / (5,000 p)), 4.2 % at 10 % of the keys.
        expect(estimate.relativeError.keys).toBeCloseTo(Math.sqrt((1 - share) / (DRAWS_PER_MINUTE * share)), 2);
        expect(estimate.relativeError.bytes).toBeGreaterThanOrEqual(estimate.relativeError.keys);
        expect(estimate.relativeError.bytes).toBeLessThan(0.06);
        // Within 3 standard errors (99.7 % of runs; a failure here is a biased sampler, not bad luck) and, at 30 %, ±10 %.
        expect(relativeDifference(estimate.keys, exact.keys)).toBeLessThanOrEqual(3 * estimate.relativeError.keys);
        expect(relativeDifference(estimate.bytes, exact.bytes)).toBeLessThanOrEqual(3 * estimate.relativeError.bytes);
      }
      expect(relativeDifference(b.keys, truth.get('fp-b')!.keys)).toBeLessThanOrEqual(0.1);
      expect(relativeDifference(b.bytes, truth.get('fp-b')!.bytes)).toBeLessThanOrEqual(0.1);
      expect(await gauge('cache_footprint_keys', { namespace: 'fp-a' })).toBe(a.keys);
      expect(await gauge('cache_footprint_bytes', { namespace: 'fp-b' })).toBe(b.bytes);
      expect(await gauge('cache_footprint_relative_error', { namespace: 'fp-a', estimate: 'keys' })).toBe(a.relativeError.keys);
      expect(await gauge('cache_footprint_age_seconds', { namespace: 'fp-a' })).toBeGreaterThanOrEqual(0);
      // Keys of namespaces the module does not know are never labels.
      expect(await gauge('cache_footprint_keys', { namespace: 'other-app' })).toBeUndefined();
    });
  });

  describe('in a fleet', () => {
    const db = useRedisServer();

    it('one instance samples per interval; the others publish its estimate', async () => {
      await fillKeyspace(db.redis, 20_000, [['fp-fleet', 0.5]], 'other-app');
      await db.redis.config('RESETSTAT');
      const options = { namespace: 'fp-fleet', redis: { url: db.server.url }, footprint: { interval: '10s' } };
      const fleet = await Promise.all([bootCache(options), bootCache(options), bootCache(options)]);
      try {
        const estimates = await Promise.all(fleet.map(({ cache }) => footprintOf(cache)));
        expect((await commandTime(db.redis)).get('randomkey')?.calls).toBe(drawsFor(10_000));
        for (const estimate of estimates) expect(estimate).toEqual(estimates[0]);
        expect(relativeDifference(estimates[0].keys, 10_000)).toBeLessThanOrEqual(0.15);
      } finally {
        await Promise.all(fleet.map(({ module }) => module.close()));
      }
    });
  });

  describe('on a small database', () => {
    const db = useRedisServer();

    it('counts every key (a SCAN no longer than the draws it replaces): the estimate is exact', async () => {
      const { module, cache } = await bootCache({ namespace: 'fp-small', redis: { url: db.server.url } });
      await cache.mset(Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, value: { i } })));
      await module.close();
      const sampled = await bootCache({ namespace: 'fp-small', redis: { url: db.server.url }, footprint: { interval: '1m' } });
      try {
        const estimate = await footprintOf(sampled.cache);
        // The sampler's own turn lock (fp-small:__monitor__:footprint:turn) is not part of the namespace's footprint.
        expect(await db.redis.exists('fp-small:__monitor__:footprint:turn')).toBe(1);
        expect(estimate.keys).toBe(300);
        expect(estimate.relativeError).toEqual({ keys: 0, bytes: 0 });
        const truth = (await scanFootprint(db.redis, ['fp-small'])).get('fp-small')!;
        expect(relativeDifference(estimate.bytes, truth.bytes)).toBeLessThanOrEqual(0.02);
      } finally {
        await sampled.module.close();
      }
    });

    it('is off by default', async () => {
      const { module, cache } = await bootCache({ namespace: 'fp-off', redis: { url: db.server.url } });
      await cache.set('k', 1);
      expect(cache.stats().footprint).toBeNull();
      expect(await db.redis.keys('fp-off:*')).toEqual(['fp-off:k']);
      await module.close();
    });
  });

  it('refuses a bad footprint or redisInfo option, naming it', async () => {
    await expect(bootCache({ namespace: 'fp-bad', footprint: 'often' as never })).rejects.toThrow(
      new CacheError('configure', undefined, 'option "footprint" must be false or { interval? }, got "often"'),
    );
    await expect(bootCache({ namespace: 'fp-bad', redisInfo: { interval: '10ms' } })).rejects.toThrow(
      /option "redisInfo.interval" must be at least 1 s/,
    );
    await expect(bootCache({ namespace: 'fp-bad', footprint: { interval: 'soon' } })).rejects.toThrow(/option "footprint.interval"/);
  });
});
