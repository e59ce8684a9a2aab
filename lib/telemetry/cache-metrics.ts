import type { Counter, Gauge, Histogram } from 'prom-client';
import type { CacheOperation } from '../kernel/cache-error.js';
import { CacheEvents } from './events/cache-events.js';
import type { LoadTrigger, StaleReason } from './events/cache-event-types.js';

// Declared with the events (metrics import events, never the reverse); re-exported for the read path.
export type { LoadTrigger, StaleReason };
import { PendingCount, trackGauges, trackPending, untrackGauges, untrackPending } from './pending-counts.js';
import type { CircuitState } from '../resilience/circuit-breaker.js';
import { compressionSavings } from '../entry/entry-format.js';
import type { FootprintReport } from './footprint-report.js';
import { cacheStats, type CacheStats, type NamespaceCounts } from './cache-stats.js';

type Status = 'ok' | 'error';

interface OperationSeries {
  ok: PendingCount;
  error: PendingCount;
  duration: ReturnType<Histogram['labels']>;
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
  duration: ReturnType<Histogram['labels']>;
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
 * The namespace's view of the shared metrics. Series are bound once per operation and per
 * cache name; counts are summed locally and handed to prom-client when it is scraped.
 */
export class CacheMetrics {
  private readonly operationSeries = new Map<CacheOperation, OperationSeries>();
  private readonly lookupSeries = new Map<string, LookupSeries>();
  /** Keyed by cache label and trigger (or reason, result): loads are rarer than lookups, one map lookup is fine. */
  private readonly loadSeries = new Map<string, LoadSeries>();
  private readonly staleSeries = new Map<string, PendingCount>();
  private readonly raceSeries = new Map<string, PendingCount>();
  private readonly warmSeries = new Map<WarmResult, PendingCount>();
  private readonly uncacheableSeries = new Map<string, PendingCount>();
  private readonly counts: PendingCount[] = [];
  private readonly siblings: CacheMetrics[] = [];
  private l1Size?: () => { entries: number; bytes: number };
  /** This process's running totals for `stats()` (prom-client's own are only read asynchronously). */
  private readonly totals: NamespaceCounts = { hits: 0, misses: 0, errors: 0, loads: 0, loadMicros: 0 };
  private stored?: { bytes: ReturnType<Histogram['labels']>; saved?: ReturnType<Counter['labels']> };
  /** The namespace's diagnostics_channel events, next to its metrics so every place that counts can publish too. */
  readonly events: CacheEvents;

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

  /** The in-process tier's hit count (summed locally, as lookups are). */
  l1Hits(): PendingCount {
    const labels = { namespace: this.namespace };
    return this.series.l1Hits === undefined ? new PendingCount({ inc: () => undefined } as never) : this.pending(this.series.l1Hits.labels(labels));
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

  /** Publishes the circuit breaker's state: 0 closed, 1 open, 2 half-open. */
  circuit(state: CircuitState): void {
    this.readings.circuit = state;
    this.series.circuit?.set({ namespace: this.namespace }, state === 'closed' ? 0 : state === 'open' ? 1 : 2);
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

  hit(cache: string, count = 1): void {
    this.totals.hits += count;
    this.lookup(cache).hit.add(count);
  }

  miss(cache: string, count = 1): void {
    this.totals.misses += count;
    this.lookup(cache).miss.add(count);
  }

  /** An entry about to be written: its stored size, and what compression saved. */
  valueStored(entry: Buffer): void {
    if (this.series.valueBytes === undefined) return;
    const labels = { namespace: this.namespace };
    this.stored ??= { bytes: this.series.valueBytes.labels(labels), saved: this.series.compressionSaved?.labels(labels) };
    this.stored.bytes.observe(entry.byteLength);
    const saved = compressionSavings(entry);
    if (saved > 0) this.stored.saved?.inc(saved);
  }

  /** Counts a failure by a short, bounded reason (never a key or a message). */
  error(operation: CacheOperation, reason: string): void {
    this.totals.errors++;
    this.series.errors.labels({ namespace: this.namespace, operation, reason }).inc();
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

  /** Records one loader run (finished or failed) of `seconds`. */
  load(cache: string, trigger: LoadTrigger, seconds: number): void {
    this.totals.loads++;
    this.totals.loadMicros += seconds * 1_000_000;
    const id = `${trigger}\u0000${cache}`;
    let series = this.loadSeries.get(id);
    if (series === undefined) {
      const labels = { namespace: this.namespace, cache, trigger };
      series = { runs: this.optionalCount(this.series.loads, labels), duration: this.series.loadDuration?.labels(labels) ?? NO_HISTOGRAM };
      this.loadSeries.set(id, series);
    }
    series.runs.add(1);
    series.duration.observe(seconds);
  }

  staleServed(cache: string, reason: StaleReason, count = 1): void {
    this.reasonCount(this.staleSeries, this.series.staleServed, cache, reason).add(count);
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
        duration: this.series.duration.labels(labels),
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

  /** A pending count on a series the app may not have registered (then counted nowhere). */
  private optionalCount(counter: Counter | undefined, labels: Record<string, string>): PendingCount {
    return counter === undefined ? new PendingCount(NO_COUNTER) : this.pending(counter.labels(labels));
  }

  private lookup(cache: string): LookupSeries {
    let series = this.lookupSeries.get(cache);
    if (!series) {
      const labels = { namespace: this.namespace, cache };
      series = { hit: this.pending(this.series.hits.labels(labels)), miss: this.pending(this.series.misses.labels(labels)) };
      this.lookupSeries.set(cache, series);
    }
    return series;
  }
}

const NO_COUNTER = { inc: () => undefined } as unknown as ReturnType<Counter['labels']>;
const NO_HISTOGRAM = { observe: () => undefined } as unknown as ReturnType<Histogram['labels']>;
