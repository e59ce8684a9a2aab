import { Cluster } from 'ioredis';
import type { ResolvedCacheOptions } from '../options/cache-options.js';
import { RateLimitedLogger } from '../kernel/rate-limited-logger.js';
import type { CacheMetrics } from '../telemetry/cache-metrics.js';
import { CircuitBreaker, type CircuitState } from '../resilience/circuit-breaker.js';
import type { CacheStore, ServerProbe } from '../stores/cache-store.interface.js';
import { MemoryStore } from '../stores/memory.store.js';
import { createRedisConnection, type RedisConnection } from '../stores/redis/redis-connection.js';
import { RedisStore } from '../stores/redis/redis.store.js';
import { ResilientStore } from '../resilience/resilient.store.js';

/** The backend of one module: the store the manager uses, and what health and stats read about it. */
export interface CacheBackend {
  store: CacheStore;
  /** The breaker in front of Redis or a store of your own; undefined for the embedded store. */
  breaker?: CircuitBreaker;
  /** PING and INFO to Redis, behind the same breaker; undefined when the backend is not Redis. */
  probe?: ServerProbe;
}

/**
 * The store the options ask for: Redis or a store the user brought, behind a circuit breaker; or the
 * embedded in-process store.
 */
export function createCacheBackend(options: ResolvedCacheOptions, metrics: CacheMetrics, redisConnection?: RedisConnection): CacheBackend {
  const logger = new RateLimitedLogger(`CacheStore:${options.namespace}`);
  if (options.store) {
    const breaker = createBreaker(options, metrics, logger);
    return { store: new ResilientStore(options.store, breaker, () => false), breaker };
  }
  if (!options.redis) return { store: new MemoryStore(options.memoryMaxEntries) };
  const connection = redisConnection ?? createRedisConnection(options.redis, options.operationTimeoutMs);
  const { client } = connection;
  const store = new RedisStore(connection, logger);
  // A Cluster's offline queue has no timeout (its commands get one only once sent to a node), so a cluster that is
  // not ready is down; one not yet connecting (lazy, used before the module initialised) is started. A single
  // client's queue honours commandTimeout, so only a lost connection counts as down there.
  const isDown =
    client instanceof Cluster
      ? () => {
          if (client.status === 'wait') void store.connect().catch(() => undefined);
          return client.status !== 'ready';
        }
      : () => client.status === 'reconnecting' || client.status === 'end';
  const breaker = createBreaker(options, metrics, logger);
  const resilient = new ResilientStore(store, breaker, isDown);
  const probe: ServerProbe = {
    ping: () => resilient.guard(() => store.ping()),
    info: (section) => resilient.guard(() => store.info(section)),
  };
  return { store: resilient, breaker, probe };
}

function createBreaker(options: ResolvedCacheOptions, metrics: CacheMetrics, logger: RateLimitedLogger): CircuitBreaker {
  const breaker = new CircuitBreaker(
    options.circuitBreaker ?? { failureThreshold: Number.POSITIVE_INFINITY, cooldownMs: 0 },
    (state: CircuitState) => {
      metrics.circuit(state);
      logger.warn(`circuit:${state}`, circuitMessage(state));
    },
  );
  metrics.circuit('closed');
  return breaker;
}

function circuitMessage(state: CircuitState): string {
  switch (state) {
    case 'open':
      return 'Redis keeps failing: circuit open, serving without the cache for the cool-down';
    case 'half-open':
      return 'circuit half-open: probing Redis';
    case 'closed':
      return 'Redis answers again: circuit closed, cache back in use';
  }
}
