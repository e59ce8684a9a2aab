import { register } from 'prom-client';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { waitUntil } from '../support/wait-until.js';

/** Every sample of a metric for `namespace`, by sample name suffix (`_sum`, `_count`, or '' for a counter). */
async function samplesOf(name: string, namespace: string): Promise<Map<string, number>> {
  const metric = register.getSingleMetric(name);
  const values = metric ? (await metric.get()).values : [];
  const found = new Map<string, number>();
  for (const sample of values) {
    if (sample.labels.namespace !== namespace) continue;
    const suffix = (sample as { metricName?: string }).metricName?.slice(name.length) ?? '';
    if (!('le' in sample.labels)) found.set(suffix, sample.value);
  }
  return found;
}

describe('cache.stats()', () => {
  const db = useRedisServer();

  it('sums hits, misses, loads and errors per namespace, with the hit ratio and mean load time', async () => {
    const { module, cache } = await bootCache({ namespace: 'stats', redis: { url: db.server.url } });
    try {
      expect(cache.stats()).toEqual({
        namespace: 'stats',
        hits: 0,
        misses: 0,
        hitRatio: null,
        loads: 0,
        meanLoadMs: null,
        errors: 0,
        footprint: null,
        circuit: 'closed',
      });
      const slowLoader = async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { loaded: true };
      };
      await cache.getOrSet('a', slowLoader); // miss, load
      await cache.getOrSet('a', slowLoader); // hit
      await cache.get('a'); // hit
      await cache.get('absent'); // miss
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      await expect(cache.set('bad', circular)).rejects.toThrow(/cannot be stored/); // a serialization error

      const other = cache.withNamespace('stats-other');
      await other.get('x');

      const stats = cache.stats();
      expect(stats).toMatchObject({ hits: 2, misses: 2, hitRatio: 0.5, loads: 1, errors: 1, circuit: 'closed' });
      expect(stats.meanLoadMs).toBeGreaterThanOrEqual(15);
      expect(other.stats()).toMatchObject({ namespace: 'stats-other', hits: 0, misses: 1, hitRatio: 0, loads: 0, errors: 0 });
    } finally {
      await module.close();
    }
  });

  it('reports the circuit of this process', async () => {
    const { module, cache } = await bootCache({
      namespace: 'stats-circuit',
      redis: { url: db.server.url },
      operationTimeout: 100,
      circuitBreaker: { failureThreshold: 1, cooldown: '1m' },
    });
    try {
      process.kill(db.server.pid!, 'SIGSTOP'); // hung: commands time out, which the breaker counts
      await waitUntil('the circuit to open', 5_000, async () => {
        await cache.get('k').catch(() => undefined);
        return cache.stats().circuit === 'open';
      });
      expect(cache.withNamespace('stats-circuit-2').stats().circuit).toBe('open');
    } finally {
      process.kill(db.server.pid!, 'SIGCONT');
      await module.close();
    }
  });
});

describe('cache_value_bytes and cache_compression_saved_bytes_total', () => {
  const db = useRedisServer();

  it('observe each entry as stored, and what compression saved', async () => {
    const { module, cache } = await bootCache({ namespace: 'sizes', redis: { url: db.server.url } });
    try {
      const document = { rows: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `row ${i}`, tags: ['a', 'b'] })) };
      await cache.set('small', { id: 1 });
      await cache.set('large', document);
      const stored = [await db.redis.strlen('sizes:small'), await db.redis.strlen('sizes:large')];
      const serialized = Buffer.byteLength(JSON.stringify(document));

      const histogram = await samplesOf('cache_value_bytes', 'sizes');
      expect(histogram.get('_count')).toBe(2);
      expect(histogram.get('_sum')).toBe(stored[0] + stored[1]);
      const saved = (await samplesOf('cache_compression_saved_bytes_total', 'sizes')).get('');
      // The large one was compressed (its header, 24 bytes, is not part of the value).
      expect(saved).toBe(serialized - (stored[1] - 24));
      expect(saved).toBeGreaterThan(serialized / 2);
    } finally {
      await module.close();
    }
  });
});
