import { setTimeout as sleep } from 'node:timers/promises';
import { register } from 'prom-client';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { metricValue } from '../faults/fault-harness.js';

describe('loader metrics', () => {
  const db = useRedisServer();

  it('counts each loader run a caller waits for as trigger "miss", failed runs included, and times it', async () => {
    const { module, cache } = await bootCache({ namespace: 'loads-miss', redis: { url: db.server.url } });
    try {
      const labels = { namespace: 'loads-miss', cache: 'direct', trigger: 'miss' };
      await cache.getOrSet('a', async () => {
        // A 30 ms timer can fire a fraction of a millisecond early by performance.now(), the clock the metric uses.
        const until = performance.now() + 30;
        while (performance.now() < until) await sleep(Math.max(1, until - performance.now()));
        return 1;
      });
      await cache.getOrSet('a', () => 2); // a hit: no load
      await expect(cache.getOrSet('b', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
      expect(await metricValue('cache_loads_total', labels)).toBe(2);
      const histogram = await metricValue('cache_load_duration_seconds', { ...labels, le: '+Inf' });
      expect(histogram).toBe(2);
      const { values } = await register.getSingleMetric('cache_load_duration_seconds')!.get();
      const sum = values.find(
        (sample) =>
          (sample as { metricName?: string }).metricName === 'cache_load_duration_seconds_sum' && sample.labels.namespace === 'loads-miss',
      );
      expect(sum?.value).toBeGreaterThanOrEqual(0.03); // the 30 ms load is in it
    } finally {
      await module.close();
    }
  });
});
