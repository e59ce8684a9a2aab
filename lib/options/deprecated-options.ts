import type { Registry } from 'prom-client';
import type { Ttl } from '../kernel/ttl.js';
import type {
  CacheEntriesOptions,
  CacheMonitoringOptions,
  CachePolicyOptions,
  CacheResilienceOptions,
  StaleOptions,
} from './concept-options.js';

/*
 * The flat keys of 0.2, kept for 0.x: each still works, is warned about once per process (naming its new key), and
 * giving it beside its new key is a CacheError. Each `@default` is its new key's.
 */

export interface DeprecatedModuleOptions {
  /**
   * @deprecated use policy.ttl
   * @default '5m'
   */
  defaultTtl?: Ttl;
  /**
   * @deprecated use policy.ttlJitter
   * @default 0
   */
  ttlJitter?: CachePolicyOptions['ttlJitter'];
  /**
   * @deprecated use policy.refreshAhead
   * @default false
   */
  refreshAhead?: CachePolicyOptions['refreshAhead'];
  /**
   * @deprecated use policy.staleWhileRevalidate
   * @default false
   */
  staleWhileRevalidate?: CachePolicyOptions['staleWhileRevalidate'];
  /**
   * @deprecated use policy.staleIfError
   * @default false
   */
  staleIfError?: CachePolicyOptions['staleIfError'];
  /**
   * @deprecated use policy.loaderTimeout
   * @default false
   */
  loaderTimeout?: CachePolicyOptions['loaderTimeout'];
  /**
   * @deprecated use policy.lock
   * @default { enabled: false, ttl: '10s', maxWait: '5s' }
   */
  lock?: CachePolicyOptions['lock'];
  /**
   * @deprecated use policy.failedLoaderThrottle
   * @default '10s'
   */
  failedLoaderThrottle?: CachePolicyOptions['failedLoaderThrottle'];
  /**
   * @deprecated use entries.serializer
   * @default 'json'
   */
  serializer?: CacheEntriesOptions['serializer'];
  /**
   * @deprecated use entries.msgpackTypes
   * @default []
   */
  msgpackTypes?: CacheEntriesOptions['msgpackTypes'];
  /**
   * @deprecated use entries.compression
   * @default { threshold: 4096, algorithm: 'deflate', maxDecodedBytes: 67_108_864 }
   */
  compression?: CacheEntriesOptions['compression'];
  /**
   * @deprecated use entries.maxValueBytes
   * @default 5_242_880 (5 MiB)
   */
  maxValueBytes?: CacheEntriesOptions['maxValueBytes'];
  /**
   * @deprecated use resilience.operationTimeout
   * @default 250 (ms)
   */
  operationTimeout?: CacheResilienceOptions['operationTimeout'];
  /**
   * @deprecated use resilience.circuitBreaker
   * @default { failureThreshold: 5, cooldown: '1s' }
   */
  circuitBreaker?: CacheResilienceOptions['circuitBreaker'];
  /**
   * @deprecated use resilience.invalidationQueue
   * @default { maxEntries: 10_000, maxKeys: 100_000, maxBytes: 16_777_216, maxAge: '5m' }
   */
  invalidationQueue?: CacheResilienceOptions['invalidationQueue'];
  /**
   * @deprecated use resilience.failOnStartup
   * @default false
   */
  failOnStartup?: CacheResilienceOptions['failOnStartup'];
  /**
   * @deprecated use monitoring.registry
   * @default undefined (prom-client's default registry)
   */
  metrics?: { registry?: Registry };
  /**
   * @deprecated use monitoring.footprint
   * @default false
   */
  footprint?: CacheMonitoringOptions['footprint'];
  /**
   * @deprecated use monitoring.redisInfo
   * @default false
   */
  redisInfo?: CacheMonitoringOptions['redisInfo'];
  /**
   * @deprecated use memory.maxEntries
   * @default 10_000
   */
  memoryMaxEntries?: number;
  /**
   * @deprecated use health.required
   * @default false
   */
  required?: boolean;
}

export interface DeprecatedNamespaceOptions {
  /**
   * @deprecated use entries.serializer
   * @default undefined (the module's)
   */
  serializer?: CacheEntriesOptions['serializer'];
  /**
   * @deprecated use entries.msgpackTypes
   * @default undefined (the module's)
   */
  msgpackTypes?: CacheEntriesOptions['msgpackTypes'];
  /**
   * @deprecated use entries.compression
   * @default undefined (the module's)
   */
  compression?: CacheEntriesOptions['compression'];
  /**
   * @deprecated use policy.refreshAhead
   * @default undefined (the module's)
   */
  refreshAhead?: StaleOptions['refreshAhead'];
  /**
   * @deprecated use policy.staleWhileRevalidate
   * @default undefined (the module's)
   */
  staleWhileRevalidate?: StaleOptions['staleWhileRevalidate'];
  /**
   * @deprecated use policy.staleIfError
   * @default undefined (the module's)
   */
  staleIfError?: StaleOptions['staleIfError'];
  /**
   * @deprecated use policy.loaderTimeout
   * @default undefined (the module's)
   */
  loaderTimeout?: StaleOptions['loaderTimeout'];
  /**
   * @deprecated use policy.ttlJitter
   * @default undefined (the module's)
   */
  ttlJitter?: StaleOptions['ttlJitter'];
}
