import type { Counter, Gauge, Histogram } from 'prom-client';
import type { CacheOperation } from '../../core/cache-error.js';
import { PendingCount, trackPending, untrackPending } from './pending-counts.js';

type Status = 'ok' | 'error';

interface OperationSeries {
  ok: PendingCount;
  error: PendingCount;
  duration: ReturnType<Histogram['labels']>;
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
  private readonly counts: PendingCount[] = [];
  private readonly siblings: CacheMetrics[] = [];

  constructor(
    private readonly namespace: string,
    private readonly hits: Counter,
    private readonly misses: Counter,
    private readonly errors: Counter,
    private readonly operations: Counter,
    private readonly duration: Histogram,
    private readonly circuitState?: Gauge,
  ) {
    trackPending(this);
  }

  /** Hands the pending counts to prom-client (called before every scrape). */
  flush(): void {
    for (const count of this.counts) count.flush();
  }

  /** Flushes and stops tracking (Nest calls this when the module closes). */
  onModuleDestroy(): void {
    for (const sibling of this.siblings) untrackPending(sibling);
    untrackPending(this);
  }

  /** Publishes the circuit breaker's state: 0 closed, 1 open, 2 half-open. */
  circuit(state: 'closed' | 'open' | 'half-open'): void {
    this.circuitState?.set({ namespace: this.namespace }, state === 'closed' ? 0 : state === 'open' ? 1 : 2);
  }

  /** The same metrics for another namespace (for `CacheManager.withNamespace`). */
  forNamespace(namespace: string): CacheMetrics {
    const sibling = new CacheMetrics(namespace, this.hits, this.misses, this.errors, this.operations, this.duration, this.circuitState);
    this.siblings.push(sibling);
    return sibling;
  }

  hit(cache: string, count = 1): void {
    this.lookup(cache).hit.add(count);
  }

  miss(cache: string, count = 1): void {
    this.lookup(cache).miss.add(count);
  }

  /** Counts a failure by a short, bounded reason (never a key or a message). */
  error(operation: CacheOperation, reason: string): void {
    this.errors.labels({ namespace: this.namespace, operation, reason }).inc();
  }

  /** Records one finished operation; `startedAt` is a `performance.now()` reading. */
  observe(operation: CacheOperation, status: Status, startedAt: number): void {
    const series = this.series(operation);
    series[status].add(1);
    series.duration.observe((performance.now() - startedAt) / 1000);
  }

  private series(operation: CacheOperation): OperationSeries {
    let series = this.operationSeries.get(operation);
    if (!series) {
      const labels = { namespace: this.namespace, operation };
      series = {
        ok: this.pending(this.operations.labels({ ...labels, status: 'ok' })),
        error: this.pending(this.operations.labels({ ...labels, status: 'error' })),
        duration: this.duration.labels(labels),
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

  private lookup(cache: string): LookupSeries {
    let series = this.lookupSeries.get(cache);
    if (!series) {
      const labels = { namespace: this.namespace, cache };
      series = { hit: this.pending(this.hits.labels(labels)), miss: this.pending(this.misses.labels(labels)) };
      this.lookupSeries.set(cache, series);
    }
    return series;
  }
}
