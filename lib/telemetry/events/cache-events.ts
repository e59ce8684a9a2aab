import { channel } from 'node:diagnostics_channel';
import type { CacheError, CacheOperation } from '../../kernel/cache-error.js';
import type { CircuitState } from '../../resilience/circuit-breaker.js';
import { CACHE_EVENT_CHANNELS } from './cache-event-channels.js';
import type {
  CacheCircuitEvent,
  CacheErrorEvent,
  CacheHitEvent,
  CacheInvalidationEvent,
  CacheLoadEvent,
  CacheMissEvent,
  CacheStaleServedEvent,
  LoadTrigger,
  StaleReason,
} from './cache-event-types.js';

// Made once: a channel object is cheap to keep, and `hasSubscribers` on it is a field read.
const hits = channel(CACHE_EVENT_CHANNELS.hit);
const misses = channel(CACHE_EVENT_CHANNELS.miss);
const loads = channel(CACHE_EVENT_CHANNELS.load);
const staleServed = channel(CACHE_EVENT_CHANNELS.staleServed);
const invalidations = channel(CACHE_EVENT_CHANNELS.invalidation);
const errors = channel(CACHE_EVENT_CHANNELS.error);
const circuits = channel(CACHE_EVENT_CHANNELS.circuit);

/**
 * Publishes a namespace's events to `node:diagnostics_channel`, for CacheMetrics (the one observer every fact goes
 * through). Every method checks for subscribers before it builds anything, so with none a call costs one property read.
 */
export class CacheEvents {
  constructor(readonly namespace: string) {}

  hit(cache: string, key: string, source: CacheHitEvent['source'] = 'store'): void {
    if (hits.hasSubscribers) hits.publish({ namespace: this.namespace, cache, key, source } satisfies CacheHitEvent);
  }

  miss(cache: string, key: string): void {
    if (misses.hasSubscribers) misses.publish({ namespace: this.namespace, cache, key } satisfies CacheMissEvent);
  }

  /** Per-key events of a batch lookup: defined values are hits, undefined ones misses (with `withMisses`). */
  lookups(cache: string, keys: readonly string[], values: readonly unknown[], source: CacheHitEvent['source'], withMisses: boolean): void {
    if (!hits.hasSubscribers && !(withMisses && misses.hasSubscribers)) return;
    for (let i = 0; i < values.length; i++) {
      if (values[i] !== undefined) this.hit(cache, keys[i], source);
      else if (withMisses) this.miss(cache, keys[i]);
    }
  }

  load(cache: string, key: string, trigger: LoadTrigger, durationMs: number, error?: unknown): void {
    if (!loads.hasSubscribers) return;
    const event: CacheLoadEvent = { namespace: this.namespace, cache, key, trigger, durationMs };
    if (error !== undefined) event.error = error;
    loads.publish(event);
  }

  staleServed(cache: string, key: string, reason: StaleReason): void {
    if (staleServed.hasSubscribers) staleServed.publish({ namespace: this.namespace, cache, key, reason } satisfies CacheStaleServedEvent);
  }

  /** `describe` builds the event's subject only when someone listens (it may map many keys). */
  invalidation(describe: () => Omit<CacheInvalidationEvent, 'namespace'>): void {
    if (invalidations.hasSubscribers) invalidations.publish({ namespace: this.namespace, ...describe() } satisfies CacheInvalidationEvent);
  }

  /** Without `error` (a failure counted where none was built), the event carries one naming the reason. */
  error(operation: CacheOperation, reason: string, key: string | undefined, error: CacheError | Error | undefined): void {
    if (!errors.hasSubscribers) return;
    errors.publish({ namespace: this.namespace, operation, reason, key, error: error ?? new Error(`${operation} failed: ${reason}`) } satisfies CacheErrorEvent);
  }

  circuit(state: CircuitState): void {
    if (circuits.hasSubscribers) circuits.publish({ namespace: this.namespace, state } satisfies CacheCircuitEvent);
  }
}
