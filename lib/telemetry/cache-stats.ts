import type { CircuitState } from '../resilience/circuit-breaker.js';
import type { FootprintReport } from './footprint-report.js';

/** A namespace's summary, as `CacheManager.stats()` returns it. Counts are this process's, since it started. */
export interface CacheStats {
  namespace: string;
  /** Lookups that found a value (every `cache` label of the namespace). */
  hits: number;
  /** Lookups that found nothing. */
  misses: number;
  /** hits / (hits + misses); `null` before the first lookup. */
  hitRatio: number | null;
  /** Loader runs, whatever triggered them (what `cache_loads_total` counts for the namespace; failed runs too). */
  loads: number;
  /** Their mean duration, in ms (`cache_load_duration_seconds`); `null` before the first. */
  meanLoadMs: number | null;
  /** Failed cache operations (what `cache_errors_total` counts for the namespace). */
  errors: number;
  /** The fleet's latest footprint estimate of the namespace; `null` when off, without Redis, or not sampled yet. */
  footprint: CacheFootprint | null;
  /** The circuit breaker in front of Redis, in this process. */
  circuit: CircuitState;
}

export interface CacheFootprint {
  keys: number;
  bytes: number;
  /** Relative standard errors of the two estimates (0: exact). */
  relativeError: { keys: number; bytes: number };
  /** When the estimate was sampled. */
  sampledAt: Date;
}

/** What CacheMetrics counts for a namespace, to build its CacheStats from. */
export interface NamespaceCounts {
  hits: number;
  misses: number;
  errors: number;
  loads: number;
  loadMicros: number;
}

export function cacheStats(
  namespace: string,
  counts: NamespaceCounts,
  circuit: CircuitState,
  report: FootprintReport | undefined,
): CacheStats {
  const lookups = counts.hits + counts.misses;
  const found = report?.namespaces[namespace];
  return {
    namespace,
    hits: counts.hits,
    misses: counts.misses,
    hitRatio: lookups === 0 ? null : counts.hits / lookups,
    loads: counts.loads,
    meanLoadMs: counts.loads === 0 ? null : counts.loadMicros / counts.loads / 1000,
    errors: counts.errors,
    footprint:
      found === undefined || report === undefined
        ? null
        : {
            keys: found.keys,
            bytes: found.bytes,
            relativeError: { keys: found.keysError, bytes: found.bytesError },
            sampledAt: new Date(report.sampledAt),
          },
    circuit,
  };
}
