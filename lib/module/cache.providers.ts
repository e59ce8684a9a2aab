import type { Provider } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Counter, Gauge } from 'prom-client';
import { CACHE_BACKEND, CACHE_REDIS_CONNECTION, CACHE_RESOLVED_OPTIONS, CACHE_STORE } from './cache.constants.js';
import { CACHE_MODULE_OPTIONS } from './cache.module-definition.js';
import { CacheManager } from '../core/cache-manager.js';
import { NamespaceRegistry } from '../namespace/namespace-registry.js';
import type { CacheModuleOptions, ResolvedCacheOptions } from '../options/cache-options.js';
import { RateLimitedLogger } from '../kernel/rate-limited-logger.js';
import { CACHE_METRICS } from '../observability/metrics/cache-metric-names.js';
import { CacheMetrics, type CacheMetricSeries } from '../telemetry/cache-metrics.js';
import { cacheMetricProviders, metricToken } from '../observability/metrics/cache-metrics.providers.js';
import { resolveCacheOptions } from '../options/resolve-cache-options.js';
import type { CacheStore } from '../stores/cache-store.interface.js';
import { createCacheBackend, type CacheBackend } from './create-cache-backend.js';
import { CacheMonitors } from '../observability/cache-monitors.js';
import { CacheStoreLifecycle } from './cache-store.lifecycle.js';
import { CacheExplorer } from '../method-cache/cache.explorer.js';
import { createRedisConnection, type RedisConnection } from '../stores/redis/redis-connection.js';
import { L1Tiers } from '../l1/l1-tiers.js';
import { CacheHealthIndicator } from '../observability/health/cache-health.indicator.js';
import { WarmingOrchestrator } from '../warming/warming.orchestrator.js';

/** The metrics CacheMetrics counts into, by their CACHE_METRICS (and CacheMetricSeries) names. */
const NAMESPACE_SERIES = [
  'hits',
  'misses',
  'errors',
  'operations',
  'duration',
  'circuit',
  'invalidationsPending',
  'invalidationsDropped',
  'invalidationsCollapsed',
  'valueBytes',
  'compressionSaved',
  'loads',
  'loadDuration',
  'staleServed',
  'loadRaces',
  'warmKeys',
  'uncacheableCalls',
  'l1Hits',
  'l1Flushes',
  'l1Entries',
  'l1Bytes',
  'fleetReportsRejected',
] as const satisfies ReadonlyArray<keyof CacheMetricSeries & keyof typeof CACHE_METRICS>;

export const cacheProviders: Provider[] = [
  ...cacheMetricProviders(CACHE_RESOLVED_OPTIONS),
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
    provide: CACHE_BACKEND,
    useFactory: (options: ResolvedCacheOptions, metrics: CacheMetrics, connection: RedisConnection | null): CacheBackend =>
      createCacheBackend(options, metrics, connection ?? undefined),
    inject: [CACHE_RESOLVED_OPTIONS, CacheMetrics, CACHE_REDIS_CONNECTION],
  },
  {
    provide: CACHE_STORE,
    useFactory: (backend: CacheBackend): CacheStore => backend.store,
    inject: [CACHE_BACKEND],
  },
  {
    provide: CacheMetrics,
    useFactory: (options: ResolvedCacheOptions, ...series: unknown[]) =>
      new CacheMetrics(options.namespace, Object.fromEntries(NAMESPACE_SERIES.map((name, i) => [name, series[i]])) as unknown as CacheMetricSeries),
    inject: [CACHE_RESOLVED_OPTIONS, ...NAMESPACE_SERIES.map((name) => metricToken(CACHE_METRICS[name].name))],
  },
  {
    provide: NamespaceRegistry,
    useFactory: (options: ResolvedCacheOptions, store: CacheStore, metrics: CacheMetrics, l1: L1Tiers) =>
      new NamespaceRegistry(options, store, metrics, new RateLimitedLogger(`CacheManager:${options.namespace}`), l1),
    inject: [CACHE_RESOLVED_OPTIONS, CACHE_STORE, CacheMetrics, L1Tiers],
  },
  {
    provide: CacheManager,
    useFactory: (registry: NamespaceRegistry) => CacheManager.of(registry.root, registry),
    inject: [NamespaceRegistry],
  },
  {
    provide: CacheExplorer,
    useFactory: (discovery: DiscoveryService, registry: NamespaceRegistry) => new CacheExplorer(discovery, registry),
    inject: [DiscoveryService, NamespaceRegistry],
  },
  {
    provide: CacheHealthIndicator,
    useFactory: (options: ResolvedCacheOptions, backend: CacheBackend) => new CacheHealthIndicator(options, backend),
    inject: [CACHE_RESOLVED_OPTIONS, CACHE_BACKEND],
  },
  {
    provide: WarmingOrchestrator,
    useFactory: (discovery: DiscoveryService, registry: NamespaceRegistry, options: ResolvedCacheOptions) =>
      new WarmingOrchestrator(discovery, registry, options),
    inject: [DiscoveryService, NamespaceRegistry, CACHE_RESOLVED_OPTIONS],
  },
  {
    provide: CacheStoreLifecycle,
    useFactory: (options: ResolvedCacheOptions, store: CacheStore) => new CacheStoreLifecycle(options, store),
    inject: [CACHE_RESOLVED_OPTIONS, CACHE_STORE],
  },
  // Last, so its startup runs after the explorer made the decorators' namespaces: their tiers serve from the first call.
  {
    provide: L1Tiers,
    useFactory: (options: ResolvedCacheOptions, connection: RedisConnection | null, metrics: CacheMetrics) =>
      new L1Tiers(
        {
          namespace: options.namespace,
          sharedStore: options.redis !== undefined || options.store !== undefined,
          l1: options.l1,
          namespaceL1: options.namespaceL1,
          operationTimeoutMs: options.operationTimeoutMs,
          tokenMemo: options.tokenMemo,
        },
        connection ?? undefined,
        metrics,
      ),
    inject: [CACHE_RESOLVED_OPTIONS, CACHE_REDIS_CONNECTION, CacheMetrics],
  },
  {
    provide: CacheMonitors,
    useFactory: (options: ResolvedCacheOptions, connection: RedisConnection | null, metrics: CacheMetrics, ...gauges: [Gauge, Gauge, Gauge, Gauge, Gauge, Gauge, Gauge, Counter, Counter]) => {
      const [keys, bytes, relativeError, age, usedMemory, maxMemory, fragmentation, evictedKeys, expiredKeys] = gauges;
      return new CacheMonitors(options, connection, metrics, {
        footprint: { keys, bytes, relativeError, age },
        redisInfo: { usedMemory, maxMemory, fragmentation, evictedKeys, expiredKeys },
      });
    },
    inject: [
      CACHE_RESOLVED_OPTIONS,
      CACHE_REDIS_CONNECTION,
      CacheMetrics,
      ...(
        [
          'footprintKeys',
          'footprintBytes',
          'footprintRelativeError',
          'footprintAge',
          'redisUsedMemory',
          'redisMaxMemory',
          'redisFragmentation',
          'redisEvictedKeys',
          'redisExpiredKeys',
        ] as const
      ).map((name) => metricToken(CACHE_METRICS[name].name)),
    ],
  },
];
