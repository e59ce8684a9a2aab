import type { Provider } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { CACHE_RESOLVED_OPTIONS, CACHE_STORE } from './cache.constants.js';
import { CACHE_MODULE_OPTIONS } from './cache.module-definition.js';
import { CacheManager } from '../core/cache-manager.js';
import type { CacheModuleOptions, ResolvedCacheOptions } from '../options/cache-options.js';
import { RateLimitedLogger } from '../observability/rate-limited-logger.js';
import { CACHE_METRICS } from '../observability/metrics/cache-metric-names.js';
import { CacheMetrics } from '../observability/metrics/cache-metrics.js';
import { cacheMetricProviders, metricToken } from '../observability/metrics/cache-metrics.providers.js';
import { resolveCacheOptions } from '../options/resolve-cache-options.js';
import type { CacheStore } from '../stores/cache-store.interface.js';
import { createCacheStore } from '../stores/create-cache-store.js';
import { CacheStoreLifecycle } from './cache-store.lifecycle.js';
import { CacheExplorer } from '../method-cache/cache.explorer.js';

export const cacheProviders: Provider[] = [
  ...cacheMetricProviders,
  {
    provide: CACHE_RESOLVED_OPTIONS,
    useFactory: (options: CacheModuleOptions) => resolveCacheOptions(options),
    inject: [CACHE_MODULE_OPTIONS],
  },
  {
    provide: CACHE_STORE,
    useFactory: (options: ResolvedCacheOptions, metrics: CacheMetrics): CacheStore => createCacheStore(options, metrics),
    inject: [CACHE_RESOLVED_OPTIONS, CacheMetrics],
  },
  {
    provide: CacheMetrics,
    useFactory: (
      options: ResolvedCacheOptions,
      hits: Counter,
      misses: Counter,
      errors: Counter,
      operations: Counter,
      duration: Histogram,
      circuit: Gauge,
      invalidationsPending: Gauge,
      invalidationsDropped: Counter,
      loads: Counter,
      loadDuration: Histogram,
      staleServed: Counter,
      warmKeys: Counter,
    ) =>
      new CacheMetrics(options.namespace, {
        hits,
        misses,
        errors,
        operations,
        duration,
        circuit,
        invalidationsPending,
        invalidationsDropped,
        loads,
        loadDuration,
        staleServed,
        warmKeys,
      }),
    inject: [
      CACHE_RESOLVED_OPTIONS,
      metricToken(CACHE_METRICS.hits.name),
      metricToken(CACHE_METRICS.misses.name),
      metricToken(CACHE_METRICS.errors.name),
      metricToken(CACHE_METRICS.operations.name),
      metricToken(CACHE_METRICS.duration.name),
      metricToken(CACHE_METRICS.circuit.name),
      metricToken(CACHE_METRICS.invalidationsPending.name),
      metricToken(CACHE_METRICS.invalidationsDropped.name),
      metricToken(CACHE_METRICS.loads.name),
      metricToken(CACHE_METRICS.loadDuration.name),
      metricToken(CACHE_METRICS.staleServed.name),
      metricToken(CACHE_METRICS.warmKeys.name),
    ],
  },
  {
    provide: CacheManager,
    useFactory: (options: ResolvedCacheOptions, store: CacheStore, metrics: CacheMetrics) =>
      new CacheManager(options, store, metrics, new RateLimitedLogger(`CacheManager:${options.namespace}`)),
    inject: [CACHE_RESOLVED_OPTIONS, CACHE_STORE, CacheMetrics],
  },
  {
    provide: CacheExplorer,
    useFactory: (discovery: DiscoveryService, manager: CacheManager) => new CacheExplorer(discovery, manager),
    inject: [DiscoveryService, CacheManager],
  },
  {
    provide: CacheStoreLifecycle,
    useFactory: (options: ResolvedCacheOptions, store: CacheStore) => new CacheStoreLifecycle(options, store),
    inject: [CACHE_RESOLVED_OPTIONS, CACHE_STORE],
  },
];
