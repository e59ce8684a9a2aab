import type { CacheError, CacheOperation } from '../kernel/cache-error.js';
import type { CircuitState } from '../resilience/circuit-breaker.js';
import type { CacheHitEvent, CacheInvalidationEvent, LoadTrigger, StaleReason } from './events/cache-event-types.js';

/** Where a hit came from: the in-process tier or the store (Redis, or the embedded store). */
export type HitSource = CacheHitEvent['source'];

/**
 * The one port every fact of a namespace is recorded through, once: the implementation fans each out to the
 * Prometheus series, the `stats()` totals and `node:diagnostics_channel`. Calls are made on the hot path, so an
 * implementation must not allocate for a channel no one subscribes to.
 */
export interface CacheObserver {
  /** A lookup found a value (an l1 hit also counts in cache_l1_hits_total). */
  hit(cache: string, key: string, source?: HitSource): void;
  /** A lookup found nothing usable. */
  miss(cache: string, key: string): void;
  /** A batch lookup: each defined value a hit, each undefined one a miss (`countMisses` false: not counted yet). */
  lookups(cache: string, keys: readonly string[], values: readonly unknown[], source: HitSource, countMisses: boolean): void;
  /** A failed operation, by a short bounded reason; `key` and `failure` go to the event only. */
  error(operation: CacheOperation, reason: string, key?: string, failure?: CacheError | Error): void;
  /** A loader run (returned, or threw `failure`) that took `ms`. */
  load(cache: string, key: string, trigger: LoadTrigger, ms: number, failure?: unknown): void;
  /** An entry past its logical TTL was served. */
  staleServed(cache: string, key: string, reason: StaleReason): void;
  /** The circuit breaker in front of Redis is in `state` (an event only when it changed). */
  circuit(state: CircuitState): void;
  /** An invalidation's outcome; `describe` builds the event only when someone listens (it may map many keys). */
  invalidation(describe: () => Omit<CacheInvalidationEvent, 'namespace'>): void;
  /** One finished operation; `startedAt` is a `performance.now()` reading. */
  observe(operation: CacheOperation, status: 'ok' | 'error', startedAt: number): void;
}
