import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Counter, Histogram, Registry } from 'prom-client';
import { CACHE_EVENT_CHANNELS } from '../../lib/telemetry/events/cache-event-channels.js';
import { CacheMetrics, type CacheMetricSeries } from '../../lib/telemetry/cache-metrics.js';
import { CACHE_METRICS } from '../../lib/observability/metrics/cache-metric-names.js';
import { flushPendingCounts } from '../../lib/telemetry/pending-counts.js';

/** The package's series in a registry of the test's own (a real prom-client registry, flushed before each read). */
function seriesIn(registry: Registry): CacheMetricSeries {
  const counter = (spec: { name: string; help: string; labelNames: readonly string[] }): Counter =>
    new Counter({ name: spec.name, help: spec.help, labelNames: [...spec.labelNames], registers: [registry], collect: flushPendingCounts });
  return {
    hits: counter(CACHE_METRICS.hits),
    misses: counter(CACHE_METRICS.misses),
    errors: counter(CACHE_METRICS.errors),
    operations: counter(CACHE_METRICS.operations),
    l1Hits: counter(CACHE_METRICS.l1Hits),
    loads: counter(CACHE_METRICS.loads),
    staleServed: counter(CACHE_METRICS.staleServed),
    duration: new Histogram({
      name: CACHE_METRICS.duration.name,
      help: CACHE_METRICS.duration.help,
      labelNames: [...CACHE_METRICS.duration.labelNames],
      buckets: [...CACHE_METRICS.duration.buckets],
      registers: [registry],
      collect: flushPendingCounts,
    }),
  };
}

async function valueOf(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  const { values } = await metric!.get();
  return values.find((sample) => Object.entries(labels).every(([label, value]) => sample.labels[label] === value))?.value;
}

/** Subscribes to one channel for the test, keeping what arrives. */
function listen(channel: string): { events: unknown[]; stop: () => void } {
  const events: unknown[] = [];
  const listener = (event: unknown): void => void events.push(event);
  subscribe(channel, listener);
  return { events, stop: () => unsubscribe(channel, listener) };
}

describe('CacheMetrics, the one observer every fact goes through', () => {
  let registry: Registry;
  let metrics: CacheMetrics;

  beforeEach(() => {
    registry = new Registry();
    metrics = new CacheMetrics('obs', seriesIn(registry));
  });
  afterEach(() => metrics.onModuleDestroy());

  it('fans one l1 hit out to cache_hits_total, cache_l1_hits_total, stats() and the hit channel', async () => {
    const channel = listen(CACHE_EVENT_CHANNELS.hit);
    try {
      metrics.hit('direct', 'user:1', 'l1');
    } finally {
      channel.stop();
    }
    expect(await valueOf(registry, 'cache_hits_total', { namespace: 'obs', cache: 'direct' })).toBe(1);
    expect(await valueOf(registry, 'cache_l1_hits_total', { namespace: 'obs' })).toBe(1);
    expect(metrics.stats()).toMatchObject({ hits: 1, misses: 0, hitRatio: 1 });
    expect(channel.events).toEqual([{ namespace: 'obs', cache: 'direct', key: 'user:1', source: 'l1' }]);
  });

  it('counts a store hit in cache_hits_total only', async () => {
    metrics.hit('direct', 'user:1');
    expect(await valueOf(registry, 'cache_hits_total', { namespace: 'obs', cache: 'direct' })).toBe(1);
    expect(await valueOf(registry, 'cache_l1_hits_total', { namespace: 'obs' })).toBeUndefined();
  });

  it('fans a batch out once per key: hits and misses counted, one event each', async () => {
    const hits = listen(CACHE_EVENT_CHANNELS.hit);
    const misses = listen(CACHE_EVENT_CHANNELS.miss);
    try {
      metrics.lookups('direct', ['a', 'b', 'c'], [1, undefined, null], 'store', true);
    } finally {
      hits.stop();
      misses.stop();
    }
    expect(await valueOf(registry, 'cache_hits_total', { namespace: 'obs', cache: 'direct' })).toBe(2);
    expect(await valueOf(registry, 'cache_misses_total', { namespace: 'obs', cache: 'direct' })).toBe(1);
    expect(metrics.stats()).toMatchObject({ hits: 2, misses: 1 });
    expect(hits.events).toEqual([
      { namespace: 'obs', cache: 'direct', key: 'a', source: 'store' },
      { namespace: 'obs', cache: 'direct', key: 'c', source: 'store' },
    ]);
    expect(misses.events).toEqual([{ namespace: 'obs', cache: 'direct', key: 'b' }]);
  });

  it('fans an error out to cache_errors_total, stats() and the error channel, with the failure', async () => {
    const channel = listen(CACHE_EVENT_CHANNELS.error);
    const failure = new Error('boom');
    try {
      metrics.error('get', 'timeout', 'user:1', failure);
    } finally {
      channel.stop();
    }
    expect(await valueOf(registry, 'cache_errors_total', { namespace: 'obs', operation: 'get', reason: 'timeout' })).toBe(1);
    expect(metrics.stats().errors).toBe(1);
    expect(channel.events).toEqual([{ namespace: 'obs', operation: 'get', reason: 'timeout', key: 'user:1', error: failure }]);
  });

  it('fans a load out to cache_loads_total, stats() and the load channel', async () => {
    const channel = listen(CACHE_EVENT_CHANNELS.load);
    try {
      metrics.load('direct', 'user:1', 'miss', 4);
    } finally {
      channel.stop();
    }
    expect(await valueOf(registry, 'cache_loads_total', { namespace: 'obs', cache: 'direct', trigger: 'miss' })).toBe(1);
    expect(metrics.stats()).toMatchObject({ loads: 1, meanLoadMs: 4 });
    expect(channel.events).toEqual([{ namespace: 'obs', cache: 'direct', key: 'user:1', trigger: 'miss', durationMs: 4 }]);
  });

  it('publishes a circuit event only when the state changes', () => {
    const channel = listen(CACHE_EVENT_CHANNELS.circuit);
    try {
      metrics.circuit('closed');
      metrics.circuit('open');
      metrics.circuit('open');
    } finally {
      channel.stop();
    }
    expect(channel.events).toEqual([{ namespace: 'obs', state: 'open' }]);
    expect(metrics.stats().circuit).toBe('open');
  });

  it('still counts with nobody subscribed', async () => {
    metrics.miss('direct', 'user:1');
    expect(await valueOf(registry, 'cache_misses_total', { namespace: 'obs', cache: 'direct' })).toBe(1);
    expect(metrics.stats().misses).toBe(1);
  });
});
