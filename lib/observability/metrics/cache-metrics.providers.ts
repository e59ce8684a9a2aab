import type { Provider } from '@nestjs/common';
import { Counter, Gauge, Histogram, register } from 'prom-client';
import { CACHE_METRICS } from './cache-metric-names.js';
import { flushPendingCounts, publishGauges } from './pending-counts.js';
import { CacheError } from '../../core/cache-error.js';

/**
 * The token @willsoto/nestjs-prometheus gives a metric (`PROM_METRIC_<NAME>`), so an app can
 * `@InjectMetric('cache_hits_total')` the same instance.
 */
export function metricToken(name: string): string {
  return `PROM_METRIC_${name.toUpperCase()}`;
}

/**
 * Providers in the shape of @willsoto/nestjs-prometheus's makeCounterProvider / makeHistogramProvider:
 * the metric lives in prom-client's default registry, which PrometheusModule serves at /metrics, and
 * one already registered there is reused, so building the module many times in one process never
 * fails on re-registration. (The library's own factories are CommonJS that require() the ESM-only
 * NestJS 12, which Jest cannot load on Node 20; the registry and the tokens are the contract.)
 */
export const cacheMetricProviders: Provider[] = [
  counterProvider(CACHE_METRICS.hits),
  counterProvider(CACHE_METRICS.misses),
  counterProvider(CACHE_METRICS.errors),
  counterProvider(CACHE_METRICS.operations),
  counterProvider(CACHE_METRICS.invalidationsDropped),
  counterProvider(CACHE_METRICS.l1Hits),
  counterProvider(CACHE_METRICS.l1Flushes),
  counterProvider(CACHE_METRICS.compressionSaved),
  counterProvider(CACHE_METRICS.redisEvictedKeys),
  counterProvider(CACHE_METRICS.redisExpiredKeys),
  gaugeProvider(CACHE_METRICS.circuit),
  gaugeProvider(CACHE_METRICS.invalidationsPending),
  counterProvider(CACHE_METRICS.loads),
  counterProvider(CACHE_METRICS.staleServed),
  counterProvider(CACHE_METRICS.warmKeys),
  histogramProvider(CACHE_METRICS.loadDuration),
  gaugeProvider(CACHE_METRICS.l1Entries, publishGauges),
  gaugeProvider(CACHE_METRICS.l1Bytes, publishGauges),
  gaugeProvider(CACHE_METRICS.footprintKeys),
  gaugeProvider(CACHE_METRICS.footprintBytes),
  gaugeProvider(CACHE_METRICS.footprintRelativeError),
  // Its value is the time since sampling: worked out when scraped.
  gaugeProvider(CACHE_METRICS.footprintAge, publishGauges),
  gaugeProvider(CACHE_METRICS.redisUsedMemory),
  gaugeProvider(CACHE_METRICS.redisMaxMemory),
  gaugeProvider(CACHE_METRICS.redisFragmentation),
  histogramProvider(CACHE_METRICS.duration),
  histogramProvider(CACHE_METRICS.valueBytes),
];

/** Their tokens, which CacheModule exports. */
export const cacheMetricTokens: string[] = cacheMetricProviders.map((provider) => (provider as { provide: string }).provide);

interface Spec {
  name: string;
  help: string;
  labelNames: readonly string[];
}

/** `collect`, when given, sets the gauge's values just before each read (sizes that change on every call). */
function gaugeProvider(spec: Spec, collect?: () => void): Provider {
  return {
    provide: metricToken(spec.name),
    useFactory: () => getOrCreate(spec.name, () => new Gauge({ ...spec, labelNames: [...spec.labelNames], ...(collect && { collect }) })),
  };
}

function counterProvider(spec: Spec): Provider {
  return {
    provide: metricToken(spec.name),
    // collect runs before each read of the metric: it hands over the counts summed on the hot path.
    useFactory: () => getOrCreate(spec.name, () => new Counter({ ...spec, labelNames: [...spec.labelNames], collect: flushPendingCounts })),
  };
}

function histogramProvider(spec: Spec & { buckets: readonly number[] }): Provider {
  return {
    provide: metricToken(spec.name),
    useFactory: () =>
      getOrCreate(spec.name, () => new Histogram({ ...spec, labelNames: [...spec.labelNames], buckets: [...spec.buckets] })),
  };
}

function getOrCreate<T>(name: string, create: () => T): T {
  const existing = register.getSingleMetric(name) as (T & { labelNames?: readonly string[] }) | undefined;
  if (!existing) return create();
  // Fail at startup, not at the first lookup, if the app registered its own metric under our name.
  const wanted = Object.values(CACHE_METRICS).find((spec) => spec.name === name)?.labelNames ?? [];
  const actual = existing.labelNames ?? [];
  if (wanted.length !== actual.length || wanted.some((label) => !actual.includes(label))) {
    throw new CacheError(
      'configure',
      undefined,
      `metric "${name}" is already registered with labels [${actual.join(', ')}]; this package needs [${wanted.join(', ')}]`,
    );
  }
  return existing;
}
