import type { FactoryProvider, InjectionToken } from '@nestjs/common';
import { Counter, Gauge, Histogram, register, type Metric, type Registry } from 'prom-client';
import { CACHE_METRICS } from './cache-metric-names.js';
import { flushPendingCounts, publishGauges } from '../../telemetry/pending-counts.js';
import { loadPrometheusLibrary, type LibraryMetricOptions, type PrometheusLibrary } from './prometheus-library.js';
import { CacheError } from '../../kernel/cache-error.js';

/**
 * The token @willsoto/nestjs-prometheus gives a metric (`PROM_METRIC_<NAME>`), so an app can
 * `@InjectMetric('cache_hits_total')` the same instance.
 */
export function metricToken(name: string): string {
  return `PROM_METRIC_${name.toUpperCase()}`;
}

type MetricKind = 'counter' | 'gauge' | 'histogram';
type MetricSpec = { name: string; help: string; labelNames: readonly string[]; buckets?: readonly number[] };

/**
 * Every metric with its kind and, for some, a `collect` run just before each read: counters and histograms hand over
 * what was summed on the hot path; the in-process tier's gauges set sizes that change on every call.
 */
const METRICS: ReadonlyArray<[MetricKind, MetricSpec, (() => void)?]> = [
  ['counter', CACHE_METRICS.hits, flushPendingCounts],
  ['counter', CACHE_METRICS.misses, flushPendingCounts],
  ['counter', CACHE_METRICS.errors, flushPendingCounts],
  ['counter', CACHE_METRICS.operations, flushPendingCounts],
  ['counter', CACHE_METRICS.invalidationsDropped, flushPendingCounts],
  ['counter', CACHE_METRICS.invalidationsCollapsed, flushPendingCounts],
  ['counter', CACHE_METRICS.l1Hits, flushPendingCounts],
  ['counter', CACHE_METRICS.l1Flushes, flushPendingCounts],
  ['counter', CACHE_METRICS.loads, flushPendingCounts],
  ['counter', CACHE_METRICS.staleServed, flushPendingCounts],
  ['counter', CACHE_METRICS.warmKeys, flushPendingCounts],
  ['counter', CACHE_METRICS.loadRaces, flushPendingCounts],
  ['counter', CACHE_METRICS.uncacheableCalls, flushPendingCounts],
  ['counter', CACHE_METRICS.compressionSaved, flushPendingCounts],
  ['counter', CACHE_METRICS.redisEvictedKeys, flushPendingCounts],
  ['counter', CACHE_METRICS.redisExpiredKeys, flushPendingCounts],
  ['counter', CACHE_METRICS.fleetReportsRejected],
  ['gauge', CACHE_METRICS.circuit],
  ['gauge', CACHE_METRICS.invalidationsPending],
  ['gauge', CACHE_METRICS.l1Entries, publishGauges],
  ['gauge', CACHE_METRICS.l1Bytes, publishGauges],
  ['gauge', CACHE_METRICS.footprintKeys],
  ['gauge', CACHE_METRICS.footprintBytes],
  ['gauge', CACHE_METRICS.footprintRelativeError],
  // Its value is the time since sampling: worked out when scraped.
  ['gauge', CACHE_METRICS.footprintAge, publishGauges],
  ['gauge', CACHE_METRICS.redisUsedMemory],
  ['gauge', CACHE_METRICS.redisMaxMemory],
  ['gauge', CACHE_METRICS.redisFragmentation],
  // Their observations are counted per bucket on the hot path too (PendingHistogram), handed over the same way.
  ['histogram', CACHE_METRICS.duration, flushPendingCounts],
  ['histogram', CACHE_METRICS.loadDuration, flushPendingCounts],
  ['histogram', CACHE_METRICS.valueBytes, flushPendingCounts],
];

/** Where the module's metrics go: the app's registry when it gave one (`metrics.registry`), else the default one. */
export interface MetricsDestination {
  metricsRegistry?: Registry;
}

/**
 * One provider per metric, under the library's tokens. Without `metrics.registry`, each is @willsoto/nestjs-prometheus's
 * own provider (makeCounterProvider, ...) when the app has installed it, so PrometheusModule's options apply
 * (`customMetricPrefix`); else an equivalent of ours. Both keep the metric in prom-client's default registry, which
 * PrometheusModule serves, and reuse one already registered there, so building the module many times never fails.
 * With `metrics.registry`, the metrics live in that registry only (the library's factories cannot take a registry from
 * DI: they look metrics up in the default registry alone).
 * `destination` is the token of the resolved options, where `metricsRegistry` is read.
 */
export function cacheMetricProviders(destination: InjectionToken, library = loadPrometheusLibrary()): FactoryProvider[] {
  return METRICS.map(([kind, spec, collect]) => metricProvider(kind, spec, collect, destination, library));
}

/** Their tokens, which CacheModule exports. */
export const cacheMetricTokens: string[] = METRICS.map(([, spec]) => metricToken(spec.name));

function metricProvider(
  kind: MetricKind,
  spec: MetricSpec,
  collect: (() => void) | undefined,
  destination: InjectionToken,
  library?: PrometheusLibrary,
): FactoryProvider {
  const libraryProvider = library && makeLibraryProvider(library, kind, spec, collect);
  return {
    provide: metricToken(spec.name),
    inject: [destination, ...(libraryProvider?.inject ?? [])],
    useFactory: (options: MetricsDestination, ...libraryDeps: unknown[]) => {
      const registry = options.metricsRegistry;
      const metric =
        registry === undefined && libraryProvider
          ? (libraryProvider.useFactory(...libraryDeps) as Metric)
          : getOrCreate(registry ?? register, kind, spec, collect);
      return withLabelsChecked(metric, spec);
    },
  };
}

function makeLibraryProvider(library: PrometheusLibrary, kind: MetricKind, spec: MetricSpec, collect?: () => void): FactoryProvider {
  const options: LibraryMetricOptions = { name: spec.name, help: spec.help, labelNames: [...spec.labelNames], ...(collect && { collect }) };
  if (kind === 'counter') return library.makeCounterProvider(options);
  if (kind === 'gauge') return library.makeGaugeProvider(options);
  return library.makeHistogramProvider({ ...options, buckets: [...spec.buckets!] });
}

/** The metric registered under this name in `registry`, or a new one registered there (and only there). */
function getOrCreate(registry: Registry, kind: MetricKind, spec: MetricSpec, collect?: () => void): Metric {
  const existing = registry.getSingleMetric(spec.name);
  if (existing) return existing;
  const options = {
    name: spec.name,
    help: spec.help,
    labelNames: [...spec.labelNames],
    registers: [registry],
    ...(collect && { collect }),
  };
  if (kind === 'counter') return new Counter(options);
  if (kind === 'gauge') return new Gauge(options);
  return new Histogram({ ...options, buckets: [...spec.buckets!] });
}

/** Fails at startup, not at the first lookup, if the app registered its own metric under our name with other labels. */
function withLabelsChecked(metric: Metric, spec: MetricSpec): Metric {
  const actual = (metric as { labelNames?: readonly string[] }).labelNames ?? [];
  const wanted = spec.labelNames;
  if (wanted.length !== actual.length || wanted.some((label) => !actual.includes(label))) {
    throw new CacheError(
      'configure',
      undefined,
      `metric "${spec.name}" is already registered with labels [${actual.join(', ')}]; this package needs [${wanted.join(', ')}]`,
    );
  }
  return metric;
}
