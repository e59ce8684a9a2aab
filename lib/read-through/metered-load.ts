import type { CacheMetrics, LoadTrigger } from '../telemetry/cache-metrics.js';

/**
 * Runs a loader, counting the run and its duration by trigger (cache_loads_total, cache_load_duration_seconds) and
 * publishing its load event, whether it returns or throws. A synchronous throw becomes a rejection, as an async
 * loader's would.
 */
export async function meteredLoad<T>(
  metrics: CacheMetrics,
  cache: string,
  key: string,
  trigger: LoadTrigger,
  loader: () => T | Promise<T>,
): Promise<T> {
  const startedAt = performance.now();
  let failure: unknown;
  try {
    return await loader();
  } catch (error) {
    failure = error ?? new Error(`loader threw ${String(error)}`);
    throw error;
  } finally {
    metrics.load(cache, key, trigger, performance.now() - startedAt, failure);
  }
}
