import type { Counter, Gauge, Histogram } from 'prom-client';
import type { CacheError, CacheOperation } from '../kernel/cache-error.js';
import { CacheEvents } from './events/cache-events.js';
import type { CacheInvalidationEvent, LoadTrigger, StaleReason } from './events/cache-event-types.js';
import type { CacheObserver, HitSource } from './cache-observer.js';

// Declared with the events (metrics import events, never the reverse); re-exported for the read path.
export type { LoadTrigger, StaleReason };
import { PendingCount, trackGauges, trackPending, untrackGauges, untrackPending } from './pending-counts.js';
import { PendingHistogram } from './pending-histogram.js';
import type { CircuitState } from '../resilience/circuit-breaker.js';
import { compressionSavings } from '../entry/entry-format.js';
import type { FootprintReport } from './footprint-report.js';
import { cacheStats, type CacheStats, type NamespaceCounts } from './cache-stats.js';

type Status = 'ok' | 'error';

/** Where observations of one series go: summed locally (PendingHistogram), or nowhere when the app has no such metric. */
type Observations = Pick<PendingHistogram, 'observe'>;

interface OperationSeries {
  ok: PendingCount;
  error: PendingCount;
  duration: Observations;
}

/** The prom-client metrics every namespace shares (labelled by namespace). */
export interface CacheMetricSeries {
  hits: Counter;
  misses: Counter;
  errors: Counter;
  operations: Counter;
  duration: Histogram;
  circuit?: Gauge;
  invalidationsPending?: Gauge;
  invalidationsDropped?: Counter;
  invalidationsCollapsed?: Counter;
  loads?: Counter;
  loadDuration?: Histogram;
  staleServed?: Counter;
  loadRaces?: Counter;
  warmKeys?: Counter;
  uncacheableCalls?: Counter;
  l1Hits?: Counter;
  l1Flushes?: Counter;
  l1Entries?: Gauge;
  l1Bytes?: Gauge;
  valueBytes?: Histogram;
  compressionSaved?: Counter;
  fleetReportsRejected?: Counter;
}


/** Why a load lost a race (the `reason` label of cache_load_races_total). */
export type LoadRace = 'superseded' | 'abandoned';

/** The result label of cache_warm_keys_total. */
export type WarmResult = 'loaded' | 'skipped' | 'failed';

interface LoadSeries {
  runs: PendingCount;
  duration: Observations;
}

/** What every namespace of a module shares: one store, so one circuit, and one footprint sampler. */
interface ModuleReadings {
  circuit: CircuitState;
  footprint?: FootprintReport;
  namespaces: Set<string>;
}

interface LookupSeries {
  hit: PendingCount;
  miss: PendingCount;
}

/**
 * The namespace's observer (see CacheObserver): each fact, recorded once, goes to the shared Prometheus series, this
 * process's `stats()` totals and the namespace's diagnostics_channel events. Series are bound once per operation and
 * per cache name; counts and histogram buckets are summed locally and handed to prom-client when it is scraped.
 */
export class CacheMetrics implements CacheObserver {
  private readonly operationSeries = new Map<CacheOperation, OperationSeries>();
  private readonly lookupSeries = new Map<string, LookupSeries>();
  /** Keyed by cache label and trigger (or reason, result): loads are rarer than lookups, one map lookup is fine. */
  private readonly loadSeries = new Map<string, LoadSeries>();
  private readonly staleSeries = new Map<string, PendingCount>();
  private readonly raceSeries = new Map<string, PendingCount>();
  private readonly warmSeries = new Map<WarmResult, PendingCount>();
  private readonly uncacheableSeries = new Map<string, PendingCount>();
  /** Everything summed locally, handed to prom-client at each scrape. */
  private readonly counts: Array<{ flush(): void }> = [];
  /** The last lookup series used: most calls of a namespace name the same cache label. */
  private lastCache?: string;
  private lastSeries?: LookupSeries;
  private l1HitCount?: PendingCount;
  private readonly siblings: CacheMetrics[] = [];
  private l1Size?: () => { entries: number; bytes: number };
  /** This process's running totals for `stats()` (prom-client's own are only read asynchronously). */
  private readonly totals: NamespaceCounts = { hits: 0, misses: 0, errors: 0, loads: 0, loadMicros: 0 };
  private stored?: { bytes: Observations; saved?: ReturnType<Counter['labels']> };
  private readonly events: CacheEvents;

  constructor(
    private readonly namespace: string,
    private readonly series: CacheMetricSeries,
    private readonly readings: ModuleReadings = { circuit: 'closed', namespaces: new Set() },
  ) {
    readings.namespaces.add(namespace);
    this.events = new CacheEvents(namespace);
    trackPending(this);
  }

  /** Hands the pending counts to prom-client (called before every scrape). */
  flush(): void {
    for (const count of this.counts) count.flush();
  }

  /** Flushes and stops tracking (Nest calls this when the module closes). */
  onModuleDestroy(): void {
    for (const sibling of [...this.siblings, this]) {
      untrackPending(sibling);
      untrackGauges(sibling);
    }
  }

  l1Flushed(reason: string): void {
    this.series.l1Flushes?.labels({ namespace: this.namespace, reason }).inc();
  }

  /** Where the tier's size is read at each scrape (cache_l1_entries, cache_l1_bytes). */
  l1Gauges(size: () => { entries: number; bytes: number }): void {
    this.l1Size = size;
    trackGauges(this);
  }

  /** Sets the gauges read from live state (called before a scrape). */
  publish(): void {
    if (this.l1Size === undefined) return;
    const { entries, bytes } = this.l1Size();
    this.series.l1Entries?.set({ namespace: this.namespace }, entries);
    this.series.l1Bytes?.set({ namespace: this.namespace }, bytes);
  }

  /** Publishes the circuit breaker's state: 0 closed, 1 open, 2 half-open (an event when it changed). */
  circuit(state: CircuitState): void {
    const changed = this.readings.circuit !== state;
    this.readings.circuit = state;
    this.series.circuit?.set({ namespace: this.namespace }, state === 'closed' ? 0 : state === 'open' ? 1 : 2);
    if (changed) this.events.circuit(state);
  }

  invalidation(describe: () => Omit<CacheInvalidationEvent, 'namespace'>): void {
    this.events.invalidation(describe);
  }

  /** A measurement report another instance shared (or something forged) that was ignored. */
  reportRejected(measurement: string, reason: string): void {
    this.series.fleetReportsRejected?.labels({ namespace: this.namespace, measurement, reason }).inc();
  }

  /** Keeps the fleet's latest footprint estimate, for `stats()` of every namespace. */
  footprint(report: FootprintReport): void {
    this.readings.footprint = report;
  }

  /** Every namespace of the module in use in this process (the root, and those `withNamespace` made). */
  get namespaces(): ReadonlySet<string> {
    return this.readings.namespaces;
  }

  /** The same metrics for another namespace (for `CacheManager.withNamespace`). */
  forNamespace(namespace: string): CacheMetrics {
    const sibling = new CacheMetrics(namespace, this.series, this.readings);
    this.siblings.push(sibling);
    return sibling;
  }

  /** This namespace's summary: counts of this process, the fleet's footprint estimate, the circuit state. */
  stats(): CacheStats {
    return cacheStats(this.namespace, this.totals, this.readings.circuit, this.readings.footprint);
  }

  hit(cache: string, key: string, source: HitSource = 'store'): void {
    this.totals.hits++;
    this.lookup(cache).hit.add(1);
    if (source === 'l1') this.l1Hits().add(1);
    this.events.hit(cache, key, source);
  }

  miss(cache: string, key: string): void {
    this.totals.misses++;
    this.lookup(cache).miss.add(1);
    this.events.miss(cache, key);
  }

  lookups(cache: string, keys: readonly string[], values: readonly unknown[], source: HitSource, countMisses: boolean): void {
    let hits = 0;
    for (const value of values) if (value !== undefined) hits++;
    const misses = countMisses ? values.length - hits : 0;
    this.totals.hits += hits;
    this.totals.misses += misses;
    const series = this.lookup(cache);
    series.hit.add(hits);
    series.miss.add(misses);
    if (source === 'l1') this.l1Hits().add(hits);
    this.events.lookups(cache, keys, values, source, countMisses);
  }

  /** An entry about to be written: its stored size, and what compression saved. */
  valueStored(entry: Buffer): void {
    if (this.series.valueBytes === undefined) return;
    const labels = { namespace: this.namespace };
    this.stored ??= { bytes: this.histogram(this.series.valueBytes, labels), saved: this.series.compressionSaved?.labels(labels) };
    this.stored.bytes.observe(entry.byteLength);
    const saved = compressionSavings(entry);
    if (saved > 0) this.stored.saved?.inc(saved);
  }

  /** Counts a failure by a short, bounded reason (never a key or a message: those go to the event only). */
  error(operation: CacheOperation, reason: string, key?: string, failure?: CacheError | Error): void {
    this.totals.errors++;
    this.series.errors.labels({ namespace: this.namespace, operation, reason }).inc();
    this.events.error(operation, reason, key, failure);
  }

  /** How many invalidations wait for Redis to answer again. */
  invalidationsPending(count: number): void {
    this.series.invalidationsPending?.set({ namespace: this.namespace }, count);
  }

  invalidationsDropped(reason: 'age' | 'size', count = 1): void {
    this.series.invalidationsDropped?.labels({ namespace: this.namespace, reason }).inc(count);
  }

  invalidationsCollapsed(reason: 'entries' | 'keys' | 'bytes'): void {
    this.series.invalidationsCollapsed?.labels({ namespace: this.namespace, reason }).inc();
  }

  /** Records one loader run (returned, or threw `failure`) of `ms`. */
  load(cache: string, key: string, trigger: LoadTrigger, ms: number, failure?: unknown): void {
    this.totals.loads++;
    this.totals.loadMicros += ms * 1000;
    const id = `${trigger}\u0000${cache}`;
    let series = this.loadSeries.get(id);
    if (series === undefined) {
      const labels = { namespace: this.namespace, cache, trigger };
      series = { runs: this.optionalCount(this.series.loads, labels), duration: this.histogram(this.series.loadDuration, labels) };
      this.loadSeries.set(id, series);
    }
    series.runs.add(1);
    series.duration.observe(ms / 1000);
    this.events.load(cache, key, trigger, ms, failure);
  }

  staleServed(cache: string, key: string, reason: StaleReason): void {
    this.reasonCount(this.staleSeries, this.series.staleServed, cache, reason).add(1);
    this.events.staleServed(cache, key, reason);
  }

  loadRace(cache: string, reason: LoadRace): void {
    this.reasonCount(this.raceSeries, this.series.loadRaces, cache, reason).add(1);
  }

  warmKeys(result: WarmResult, count = 1): void {
    let series = this.warmSeries.get(result);
    if (series === undefined) {
      series = this.optionalCount(this.series.warmKeys, { namespace: this.namespace, result });
      this.warmSeries.set(result, series);
    }
    series.add(count);
  }

  /** A decorated method call run uncached because its default key refused an argument (`reason`, a bounded set). */
  uncacheableCall(cache: string, reason: string): void {
    this.reasonCount(this.uncacheableSeries, this.series.uncacheableCalls, cache, reason).add(1);
  }

  /** The pending count of a `{namespace, cache, reason}` series, bound once per cache and reason. */
  private reasonCount(bound: Map<string, PendingCount>, counter: Counter | undefined, cache: string, reason: string): PendingCount {
    const id = `${reason}\u0000${cache}`;
    let series = bound.get(id);
    if (series === undefined) {
      series = this.optionalCount(counter, { namespace: this.namespace, cache, reason });
      bound.set(id, series);
    }
    return series;
  }

  /** Records one finished operation; `startedAt` is a `performance.now()` reading. */
  observe(operation: CacheOperation, status: Status, startedAt: number): void {
    const series = this.operation(operation);
    series[status].add(1);
    series.duration.observe((performance.now() - startedAt) / 1000);
  }

  private operation(operation: CacheOperation): OperationSeries {
    let series = this.operationSeries.get(operation);
    if (!series) {
      const labels = { namespace: this.namespace, operation };
      series = {
        ok: this.pending(this.series.operations.labels({ ...labels, status: 'ok' })),
        error: this.pending(this.series.operations.labels({ ...labels, status: 'error' })),
        duration: this.histogram(this.series.duration, labels),
      };
      this.operationSeries.set(operation, series);
    }
    return series;
  }

  private pending(child: ReturnType<Counter['labels']>): PendingCount {
    const count = new PendingCount(child);
    this.counts.push(count);
    return count;
  }

  /** A histogram series summed locally; observed nowhere when the app has no such metric. */
  private histogram(histogram: Histogram | undefined, labels: Record<string, string>): Observations {
    if (histogram === undefined) return NO_HISTOGRAM;
    const pending = new PendingHistogram(histogram, labels);
    this.counts.push(pending);
    return pending;
  }

  /** The in-process tier's hit count (cache_l1_hits_total), bound on the first l1 hit. */
  private l1Hits(): PendingCount {
    this.l1HitCount ??= this.optionalCount(this.series.l1Hits, { namespace: this.namespace });
    return this.l1HitCount;
  }

  /** A pending count on a series the app may not have registered (then counted nowhere). */
  private optionalCount(counter: Counter | undefined, labels: Record<string, string>): PendingCount {
    return counter === undefined ? new PendingCount(NO_COUNTER) : this.pending(counter.labels(labels));
  }

  private lookup(cache: string): LookupSeries {
    if (cache === this.lastCache) return this.lastSeries!;
    let series = this.lookupSeries.get(cache);
    if (!series) {
      const labels = { namespace: this.namespace, cache };
      series = { hit: this.pending(this.series.hits.labels(labels)), miss: this.pending(this.series.misses.labels(labels)) };
      this.lookupSeries.set(cache, series);
    }
    this.lastCache = cache;
    this.lastSeries = series;
    return series;
  }
}

const NO_COUNTER = { inc: () => undefined } as unknown as ReturnType<Counter['labels']>;
const NO_HISTOGRAM: Observations = { observe: () => undefined };
