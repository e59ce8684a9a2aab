export { CacheModule } from './module/cache.module.js';
export { CacheManager } from './core/cache-manager.js';
export type { CacheEntry, EntryOptions, GetOrSetManyOptions, GetOrSetOptions, SetOptions } from './options/entry-options.js';
export type { BatchValues } from './read-through/batch-read-through.js';
export { Cacheable, CacheInvalidate, CachePut } from './method-cache/cache.decorators.js';
export type {
  CacheableOptions,
  CacheableTags,
  CacheInvalidateOptions,
  CacheKeyable,
  CachePutOptions,
} from './method-cache/method-cache.options.js';
export { CacheError, type CacheErrorReason, type CacheOperation } from './kernel/cache-error.js';
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
  TagOptions,
  TokenMemoOptions,
  WarmingOptions,
} from './options/cache-options.js';
export type { CompressionAlgorithm } from './serialization/compression/compressor.js';
export type {
  CacheStore,
  DeletePrefixOptions,
  KeyValueStore,
  LockStore,
  StoreEntry,
  StoreLifecycle,
  TagTokenStore,
} from './stores/cache-store.interface.js';
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
export { CacheWarmer, type CacheWarmerOptions } from './warming/cache-warmer.decorator.js';
export type { WarmEntries, WarmEntry, WarmOptions, WarmResult } from './read-through/warm/warm.types.js';

// Moved to subpath entries; re-exported here, deprecated, for 0.x (the same bindings, so the same DI tokens).
export {
  /** @deprecated import from '@datapunk/nestjs-cache/compat' (removed in 1.0) */
  Cache,
  /** @deprecated import from '@datapunk/nestjs-cache/compat' (removed in 1.0) */
  CACHE_MANAGER,
  /** @deprecated import from '@datapunk/nestjs-cache/compat' (removed in 1.0) */
  type CacheListEntry,
  /** @deprecated import from '@datapunk/nestjs-cache/compat' (removed in 1.0) */
  type WrapTtl,
  /** @deprecated import from '@datapunk/nestjs-cache/compat' (removed in 1.0) */
  type CacheOptionsFactory,
  /** @deprecated import from '@datapunk/nestjs-cache/compat' (removed in 1.0) */
  type CacheRegisterAsyncOptions,
  /** @deprecated import from '@datapunk/nestjs-cache/compat' (removed in 1.0) */
  type CacheRegisterOptions,
} from './compat.js';
export {
  /** @deprecated import from '@datapunk/nestjs-cache/admin' (removed in 1.0) */
  CacheAdminModule,
  /** @deprecated import from '@datapunk/nestjs-cache/admin' (removed in 1.0) */
  type CacheAdminOptions,
  /** @deprecated import from '@datapunk/nestjs-cache/admin' (removed in 1.0) */
  type InvalidateResult,
} from './admin.js';
export {
  /** @deprecated import from '@datapunk/nestjs-cache/health' (removed in 1.0) */
  CacheHealthIndicator,
  /** @deprecated import from '@datapunk/nestjs-cache/health' (removed in 1.0) */
  type CacheHealthReason,
  /** @deprecated import from '@datapunk/nestjs-cache/health' (removed in 1.0) */
  type CacheHealthReport,
  /** @deprecated import from '@datapunk/nestjs-cache/health' (removed in 1.0) */
  type CacheHealthResult,
  /** @deprecated import from '@datapunk/nestjs-cache/health' (removed in 1.0) */
  type CacheHealthStatus,
} from './health.js';
