import 'reflect-metadata';
import { Controller, Get, Global, Header, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createRequire } from 'node:module';
import { Counter, register, Registry } from 'prom-client';
import request from 'supertest';
import { CacheError, CacheManager, CacheModule, type CacheModuleOptions } from '@datapunk/nestjs-cache';
import { cacheMetricProviders, cacheMetricTokens, metricToken } from '../../lib/observability/metrics/cache-metrics.providers.js';
import { CACHE_METRICS } from '../../lib/observability/metrics/cache-metric-names.js';
import { loadPrometheusLibrary } from '../../lib/observability/metrics/prometheus-library.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';

const require = createRequire(import.meta.url);

/** @willsoto/nestjs-prometheus's options token (its constants need no NestJS, so they load under Jest too). */
const { PROMETHEUS_OPTIONS } = require('@willsoto/nestjs-prometheus/dist/constants.js') as { PROMETHEUS_OPTIONS: symbol };

describe('@willsoto/nestjs-prometheus providers', () => {
  it('cover every metric the package declares', () => {
    expect([...cacheMetricTokens].sort()).toEqual(
      Object.values(CACHE_METRICS)
        .map((spec) => metricToken(spec.name))
        .sort(),
    );
  });

  it('are loaded where the package is installed, and skipped where it is not', () => {
    const library = loadPrometheusLibrary();
    expect(typeof library?.makeCounterProvider).toBe('function');
    const notInstalled = Object.assign(
      (id: string) => {
        throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
      },
      { resolve: require.resolve, cache: require.cache, main: undefined, extensions: require.extensions },
    ) as NodeJS.Require;
    expect(loadPrometheusLibrary(notInstalled)).toBeUndefined();
  });

  it("are the ones the module uses: the library's PrometheusModule options (customMetricPrefix) apply to the cache metrics", async () => {
    const libraryInject = cacheMetricProviders('OPTIONS').flatMap((provider) => provider.inject ?? []);
    expect(libraryInject).toContainEqual({ token: PROMETHEUS_OPTIONS, optional: true });

    @Global()
    @Module({ providers: [{ provide: PROMETHEUS_OPTIONS, useValue: { customMetricPrefix: 'app' } }], exports: [PROMETHEUS_OPTIONS] })
    class GlobalPrometheusOptions {}
    const module = await Test.createTestingModule({
      imports: [GlobalPrometheusOptions, CacheModule.forRoot({ namespace: 'prefixed' })],
    }).compile();
    await module.init();
    try {
      const cache = module.get(CacheManager);
      await cache.set('k', 1);
      await cache.get('k');
      const samples = parsePrometheusText(await register.metrics());
      expect(sampleValue(samples, 'app_cache_hits_total', { namespace: 'prefixed' })).toBe(1);
    } finally {
      await module.close();
    }
  });
});

describe('metrics on an application registry (metrics.registry)', () => {
  const db = useRedisServer();

  /** Serves one registry at /metrics, as an app that gives PrometheusModule its own controller does. */
  function metricsController(registry: Registry) {
    @Controller('metrics')
    class RegistryMetricsController {
      @Get()
      @Header('Content-Type', registry.contentType)
      index(): Promise<string> {
        return registry.metrics();
      }
    }
    return RegistryMetricsController;
  }

  async function bootApp(registry: Registry, options: Partial<CacheModuleOptions> = {}) {
    const module = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: 'on-registry', redis: { url: db.server.url }, metrics: { registry }, ...options })],
      controllers: [metricsController(registry)],
    }).compile();
    const app = module.createNestApplication();
    await app.init();
    return app;
  }

  it("puts the cache metrics on that registry's /metrics, not on the default registry", async () => {
    const registry = new Registry();
    const app = await bootApp(registry);
    try {
      const cache = app.get(CacheManager);
      await cache.set('k', 'v');
      await cache.get('k');
      await cache.get('absent');
      const scraped = parsePrometheusText((await request(app.getHttpServer()).get('/metrics').expect(200)).text);
      expect(sampleValue(scraped, 'cache_hits_total', { namespace: 'on-registry', cache: 'direct' })).toBe(1);
      expect(sampleValue(scraped, 'cache_misses_total', { namespace: 'on-registry', cache: 'direct' })).toBe(1);
      expect(sampleValue(scraped, 'cache_operations_total', { namespace: 'on-registry', operation: 'set', status: 'ok' })).toBe(1);
      expect(await register.metrics()).not.toContain('on-registry');
    } finally {
      await app.close();
    }
  });

  it('reuses the metrics already on the registry when the module is built again (two apps, one registry)', async () => {
    const registry = new Registry();
    const first = await bootApp(registry);
    const second = await bootApp(registry, { namespace: 'second' });
    try {
      await first.get(CacheManager).get('x');
      await second.get(CacheManager).get('x');
      const scraped = parsePrometheusText(await registry.metrics());
      expect(sampleValue(scraped, 'cache_misses_total', { namespace: 'on-registry' })).toBe(1);
      expect(sampleValue(scraped, 'cache_misses_total', { namespace: 'second' })).toBe(1);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('fails the boot with a CacheError when the registry holds another metric under a cache metric name', async () => {
    const registry = new Registry();
    new Counter({ name: 'cache_hits_total', help: 'mine', labelNames: ['route'], registers: [registry] });
    await expect(bootApp(registry)).rejects.toThrow(/metric "cache_hits_total" is already registered with labels \[route\]/);
  });

  it('refuses a registry that is not a prom-client Registry, naming the option', async () => {
    await expect(bootApp({} as Registry)).rejects.toThrow(CacheError);
    await expect(bootApp({} as Registry)).rejects.toThrow(/option "metrics.registry" must be a prom-client Registry/);
  });
});
