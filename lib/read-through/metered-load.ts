import type { CacheMetrics, LoadTrigger } from '../observability/metrics/cache-metrics.js';

/**
 * Runs a loader, counting the run and its duration by trigger (cache_loads_total, cache_load_duration_seconds) whether
 * it returns or throws. A synchronous throw becomes a rejection, as an async loader's would.
 */
export async function meteredLoad<T>(metrics: CacheMetrics, cache: string, trigger: LoadTrigger, loader: () => T | Promise<T>): Promise<T> {
  const startedAt = performance.now();
  try {
    return await loader();
  } finally {
    metrics.load(cache, trigger, (performance.now() - startedAt) / 1000);
  }
}
