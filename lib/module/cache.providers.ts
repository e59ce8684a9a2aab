import type { Provider } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { CACHE_REDIS_CONNECTION, CACHE_RESOLVED_OPTIONS, CACHE_STORE } from './cache.constants.js';
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
import { createRedisConnection, type RedisConnection } from '../stores/redis/redis-connection.js';
import { L1Tiers } from '../l1/l1-tiers.js';

export const cacheProviders: Provider[] = [
  ...cacheMetricProviders,
  {
    provide: CACHE_RESOLVED_OPTIONS,
    useFactory: (options: CacheModuleOptions) => resolveCacheOptions(options),
    inject: [CACHE_MODULE_OPTIONS],
  },
  {
    provide: CACHE_REDIS_CONNECTION,
    useFactory: (options: ResolvedCacheOptions): RedisConnection | null =>
      options.redis === undefined ? null : createRedisConnection(options.redis, options.operationTimeoutMs),
    inject: [CACHE_RESOLVED_OPTIONS],
  },
  {
    provide: CACHE_STORE,
    useFactory: (options: ResolvedCacheOptions, metrics: CacheMetrics, connection: RedisConnection | null): CacheStore =>
      createCacheStore(options, metrics, connection ?? undefined),
    inject: [CACHE_RESOLVED_OPTIONS, CacheMetrics, CACHE_REDIS_CONNECTION],
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
      l1Hits: Counter,
      l1Flushes: Counter,
      l1Entries: Gauge,
      l1Bytes: Gauge,
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
        l1Hits,
        l1Flushes,
        l1Entries,
        l1Bytes,
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
      metricToken(CACHE_METRICS.l1Hits.name),
      metricToken(CACHE_METRICS.l1Flushes.name),
      metricToken(CACHE_METRICS.l1Entries.name),
      metricToken(CACHE_METRICS.l1Bytes.name),
    ],
  },
  {
    provide: CacheManager,
    useFactory: (options: ResolvedCacheOptions, store: CacheStore, metrics: CacheMetrics, l1: L1Tiers) =>
      new CacheManager(options, store, metrics, new RateLimitedLogger(`CacheManager:${options.namespace}`), l1),
    inject: [CACHE_RESOLVED_OPTIONS, CACHE_STORE, CacheMetrics, L1Tiers],
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
  // Last, so its startup runs after the explorer made the decorators' namespaces: their prefixes are tracked from the start.
  {
    provide: L1Tiers,
    useFactory: (options: ResolvedCacheOptions, connection: RedisConnection | null, metrics: CacheMetrics) =>
      new L1Tiers(options, connection ?? undefined, metrics),
    inject: [CACHE_RESOLVED_OPTIONS, CACHE_REDIS_CONNECTION, CacheMetrics],
  },
];
