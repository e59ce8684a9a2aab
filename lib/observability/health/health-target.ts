import type { CircuitBreaker } from '../../resilience/circuit-breaker.js';
import type { CacheStore, ServerProbe } from '../../stores/cache-store.interface.js';

/** What the health check looks at: the store's kind, the breaker in front of it, and the probe that PINGs it. */
export interface HealthTarget {
  store: Pick<CacheStore, 'kind'>;
  /** Undefined for the embedded store. */
  breaker?: Pick<CircuitBreaker, 'state'>;
  /** Undefined when the backend is not Redis. */
  probe?: ServerProbe;
}
