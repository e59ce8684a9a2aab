import type { CacheError, CacheOperation } from '../../kernel/cache-error.js';
import type { CircuitState } from '../../resilience/circuit-breaker.js';

/** What made a loader run (the `trigger` label of cache_loads_total). */
export type LoadTrigger = 'miss' | 'refresh' | 'stale' | 'warm';

/** Why an entry past its logical TTL was served (the `reason` label of cache_stale_served_total). */
export type StaleReason = 'revalidating' | 'loader_error' | 'loader_timeout' | 'redis_down';

/**
 * What the events carry. Unlike metric labels, events carry the key a call named (as the caller passed it, without the
 * namespace): a subscriber that turns them into metrics must not use it as a label.
 */
interface KeyedEvent {
  namespace: string;
  /** The `cache` metric label: 'direct' for CacheManager calls, `Class.method` for decorated methods and routes. */
  cache: string;
  key: string;
}

export interface CacheHitEvent extends KeyedEvent {
  /** Where the value came from: the in-process tier (`l1`) or the store (Redis, or the embedded store). */
  source: 'l1' | 'store';
}

export type CacheMissEvent = KeyedEvent;

export interface CacheLoadEvent extends KeyedEvent {
  trigger: LoadTrigger;
  durationMs: number;
  /** What the loader threw; absent when it returned. */
  error?: unknown;
}

export interface CacheStaleServedEvent extends KeyedEvent {
  reason: StaleReason;
}

export interface CacheInvalidationEvent {
  namespace: string;
  kind: 'keys' | 'prefix' | 'tags' | 'clear';
  /** The keys (kind 'keys'), the prefix (kind 'prefix', '' for clear) or the tags (kind 'tags') it covers. */
  keys?: readonly string[];
  prefix?: string;
  tags?: readonly string[];
  /** applied: done; queued: Redis was unreachable, kept and applied once it answers; failed: neither. */
  outcome: 'applied' | 'queued' | 'failed';
  /** Keys removed (applied keys, prefix and clear invalidations). */
  removed?: number;
}

export interface CacheErrorEvent {
  namespace: string;
  operation: CacheOperation;
  /** The bounded reason `cache_errors_total` counts it under (timeout, connection, corrupt, …). */
  reason: string;
  key?: string;
  error: CacheError | Error;
}

export interface CacheCircuitEvent {
  namespace: string;
  state: CircuitState;
}
