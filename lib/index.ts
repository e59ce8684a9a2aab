export { CacheModule } from './module/cache.module.js';
export { CacheManager } from './core/cache-manager.js';
export type { CacheEntry, GetOrSetManyOptions, GetOrSetOptions, SetOptions } from './options/entry-options.js';
export type { BatchValues } from './read-through/batch-read-through.js';
export { Cacheable, CacheInvalidate, CachePut } from './method-cache/cache.decorators.js';
export type {
  CacheableOptions,
  CacheableTags,
  CacheInvalidateOptions,
  CacheKeyable,
  CachePutOptions,
} from './method-cache/method-cache.options.js';
export { CacheError, type CacheOperation } from './kernel/cache-error.js';
export type {
  CacheModuleOptions,
  CacheEntriesOptions,
  CacheHealthOptions,
  CacheHttpOptions,
  CacheMemoryOptions,
  CacheMonitoringOptions,
  CachePolicyOptions,
  CacheRedisOptions,
  CacheResilienceOptions,
  CircuitBreakerOptions,
  CompressionOption,
  CompressionSettings,
  FootprintOptions,
  InvalidationQueueOptions,
  L1Options,
  LockOptions,
  NamespaceEntriesOptions,
  NamespaceOptions,
  RedisInfoOptions,
  RefreshAheadOptions,
  SerializerOption,
  StaleOptions,
  WarmingOptions,
} from './options/cache-options.js';
export type { CompressionAlgorithm } from './serialization/compression/compressor.js';
export type { CacheStore, DeletePrefixOptions, KeyValueStore, LockStore, StoreEntry, StoreLifecycle } from './stores/cache-store.interface.js';
export { CACHE_MODULE_OPTIONS, type CacheModuleAsyncOptions } from './module/cache.module-definition.js';
export type { CacheSerializer } from './serialization/cache-serializer.interface.js';
export { JsonSerializer } from './serialization/json.serializer.js';
export { CACHE_METRICS } from './observability/metrics/cache-metric-names.js';
export type { CacheFootprint, CacheStats } from './telemetry/cache-stats.js';
export { MAX_KEY_LENGTH } from './kernel/cache-keys.js';
export type { CacheVersion } from './kernel/cache-version.js';
export type { Ttl } from './kernel/ttl.js';
export { CacheInterceptor } from './http/cache.interceptor.js';
export {
  CacheKey,
  CacheTags,
  CacheTTL,
  CacheVary,
  type CacheKeyFactory,
  type CacheTagsFunction,
  type CacheTagsSetting,
  type CacheTtlSetting,
  type CacheVarySource,
} from './http/cache-http.decorators.js';
export { CacheHealthIndicator } from './observability/health/cache-health.indicator.js';
export type {
  CacheHealthReason,
  CacheHealthReport,
  CacheHealthResult,
  CacheHealthStatus,
} from './observability/health/cache-health-report.js';
export { CACHE_EVENT_CHANNELS, type CacheEventChannel } from './telemetry/events/cache-event-channels.js';
export type {
  CacheCircuitEvent,
  CacheErrorEvent,
  CacheHitEvent,
  CacheInvalidationEvent,
  CacheLoadEvent,
  CacheMissEvent,
  CacheStaleServedEvent,
} from './telemetry/events/cache-event-types.js';
export type { LoadTrigger, StaleReason } from './telemetry/cache-metrics.js';
export { Cache, CACHE_MANAGER, type CacheListEntry, type WrapTtl } from './core/compat-cache.js';
export type { CacheOptionsFactory, CacheRegisterAsyncOptions, CacheRegisterOptions } from './compat/register-options.js';
export { CacheWarmer, type CacheWarmerOptions } from './warming/cache-warmer.decorator.js';
export type { WarmEntries, WarmEntry, WarmOptions, WarmResult } from './read-through/warm/warm.types.js';
export { CacheAdminModule } from './admin/cache-admin.module.js';
export type { CacheAdminOptions } from './admin/cache-admin.options.js';
export type { InvalidateResult } from './admin/cache-admin.controller.js';
