/**
 * The `node:diagnostics_channel` names the package publishes to. Subscribe with
 * `diagnostics_channel.subscribe(CACHE_EVENT_CHANNELS.hit, (event) => …)`; nothing is built or sent while no one does.
 */
export const CACHE_EVENT_CHANNELS = {
  /** A lookup found a value: CacheHitEvent. */
  hit: '@datapunk/nestjs-cache:hit',
  /** A lookup found nothing (or nothing usable): CacheMissEvent. */
  miss: '@datapunk/nestjs-cache:miss',
  /** A loader ran (returned or threw): CacheLoadEvent. */
  load: '@datapunk/nestjs-cache:load',
  /** An entry past its logical TTL was served: CacheStaleServedEvent. */
  staleServed: '@datapunk/nestjs-cache:stale-served',
  /** An invalidation (keys, prefix, tags, clear) was applied, kept for later, or failed: CacheInvalidationEvent. */
  invalidation: '@datapunk/nestjs-cache:invalidation',
  /** A cache operation failed (counted in cache_errors_total): CacheErrorEvent. */
  error: '@datapunk/nestjs-cache:error',
  /** The circuit breaker in front of Redis changed state: CacheCircuitEvent. */
  circuit: '@datapunk/nestjs-cache:circuit',
} as const;

export type CacheEventChannel = (typeof CACHE_EVENT_CHANNELS)[keyof typeof CACHE_EVENT_CHANNELS];
