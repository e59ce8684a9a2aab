import 'reflect-metadata';
import { Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { register, type Counter } from 'prom-client';
import { CACHE_METRICS, CacheManager, CacheModule } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';
import { freePort, RedisServer } from '../support/redis-server.js';

/** The current value of one labelled series in prom-client's default registry (0 when absent). */
async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = register.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const match = values.find((sample) => Object.entries(labels).every(([label, value]) => sample.labels[label] === value));
  return match?.value ?? 0;
}

describe('cache metrics', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await RedisServer.start();
  });

  afterAll(() => server.dispose());

  it('registers every documented metric in the default registry, once, however often the module is built', async () => {
    const first = await bootCache({ namespace: 'metrics-a', redis: { url: server.url } });
    const second = await bootCache({ namespace: 'metrics-b', redis: { url: server.url } });
    for (const { name } of Object.values(CACHE_METRICS)) expect(register.getSingleMetric(name)).toBeDefined();
    await first.module.close();
    await second.module.close();
  });

  it('lets the app inject the metrics by the tokens @InjectMetric uses', async () => {
    @Injectable()
    class Dashboard {
      constructor(@Inject('PROM_METRIC_CACHE_HITS_TOTAL') readonly hits: Counter) {}
    }
    @Module({ imports: [CacheModule.forRoot({ namespace: 'metrics-inject', redis: { url: server.url } })], providers: [Dashboard] })
    class AppModule {}
    const module = await Test.createTestingModule({ imports: [AppModule] }).compile();
    await module.init();
    try {
      const { hits } = module.get(Dashboard);
      expect(hits).toBe(register.getSingleMetric('cache_hits_total'));
      await module.get(CacheManager).set('k', 1);
      await module.get(CacheManager).get('k');
      expect((await hits.get()).values.find((sample) => sample.labels.namespace === 'metrics-inject')?.value).toBe(1);
    } finally {
      await module.close();
    }
  });

  it('counts hits, misses and operations per namespace', async () => {
    const { module, cache } = await bootCache({ namespace: 'metrics-count', redis: { url: server.url } });
    const labels = { namespace: 'metrics-count', cache: 'direct' };
    await cache.get('absent');
    await cache.set('present', 1);
    await cache.get('present');
    await cache.mget(['present', 'absent', 'present']);
    await cache.getOrSet('loaded', () => 'v');
    await cache.getOrSet('loaded', () => 'v');
    expect(await metricValue('cache_hits_total', labels)).toBe(4);
    expect(await metricValue('cache_misses_total', labels)).toBe(3);
    expect(await metricValue('cache_operations_total', { namespace: 'metrics-count', operation: 'get', status: 'ok' })).toBe(2);
    expect(await metricValue('cache_operations_total', { namespace: 'metrics-count', operation: 'set', status: 'ok' })).toBe(2);
    const histogram = await register.getSingleMetric('cache_operation_duration_seconds')!.get();
    const count = histogram.values.find(
      (sample) =>
        (sample as { metricName?: string }).metricName === 'cache_operation_duration_seconds_count' &&
        sample.labels.namespace === 'metrics-count' &&
        sample.labels.operation === 'get',
    );
    expect(count?.value).toBe(2);
    await module.close();
  });

  it('counts an undecodable entry as a miss and an error', async () => {
    const { module, cache } = await bootCache({ namespace: 'metrics-corrupt', redis: { url: server.url } });
    const raw = new Redis(server.port, '127.0.0.1');
    await raw.set('metrics-corrupt:k', 'not json');
    expect(await cache.get('k')).toBeUndefined();
    expect(await metricValue('cache_misses_total', { namespace: 'metrics-corrupt' })).toBe(1);
    expect(await metricValue('cache_errors_total', { namespace: 'metrics-corrupt', operation: 'deserialize', reason: 'corrupt' })).toBe(1);
    raw.disconnect();
    await module.close();
  });

  it('counts failed operations with a bounded reason', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const { module, cache } = await bootCache({
      namespace: 'metrics-down',
      redis: { url, options: { maxRetriesPerRequest: 0, retryStrategy: () => null } },
    });
    await expect(cache.set('k', 1)).rejects.toThrow();
    expect(await cache.getOrSet('k', () => 'fallback')).toBe('fallback');
    expect(await metricValue('cache_operations_total', { namespace: 'metrics-down', operation: 'set', status: 'error' })).toBe(1);
    expect(await metricValue('cache_errors_total', { namespace: 'metrics-down', operation: 'set', reason: 'connection' })).toBe(1);
    expect(await metricValue('cache_errors_total', { namespace: 'metrics-down', operation: 'getOrSet', reason: 'connection' })).toBe(1);
    await module.close();
  });
});
