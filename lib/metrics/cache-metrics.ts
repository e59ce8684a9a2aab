import type { Counter, Gauge, Histogram } from 'prom-client';
import type { CacheOperation } from '../cache-error.js';

type Status = 'ok' | 'error';

interface OperationSeries {
  ok: ReturnType<Counter['labels']>;
  error: ReturnType<Counter['labels']>;
  duration: ReturnType<Histogram['labels']>;
}

interface LookupSeries {
  hit: ReturnType<Counter['labels']>;
  miss: ReturnType<Counter['labels']>;
}

/**
 * The namespace's view of the shared metrics. Label children are bound once per
 * operation and per cache name, so the hot path increments without building label objects.
 */
export class CacheMetrics {
  private readonly operationSeries = new Map<CacheOperation, OperationSeries>();
  private readonly lookupSeries = new Map<string, LookupSeries>();

  constructor(
    private readonly namespace: string,
    private readonly hits: Counter,
    private readonly misses: Counter,
    private readonly errors: Counter,
    private readonly operations: Counter,
    private readonly duration: Histogram,
    private readonly circuitState?: Gauge,
  ) {}

  /** Publishes the circuit breaker's state: 0 closed, 1 open, 2 half-open. */
  circuit(state: 'closed' | 'open' | 'half-open'): void {
    this.circuitState?.set({ namespace: this.namespace }, state === 'closed' ? 0 : state === 'open' ? 1 : 2);
  }

  /** The same metrics for another namespace (for `CacheManager.withNamespace`). */
  forNamespace(namespace: string): CacheMetrics {
    return new CacheMetrics(namespace, this.hits, this.misses, this.errors, this.operations, this.duration, this.circuitState);
  }

  hit(cache: string, count = 1): void {
    this.lookup(cache).hit.inc(count);
  }

  miss(cache: string, count = 1): void {
    this.lookup(cache).miss.inc(count);
  }

  /** Counts a failure by a short, bounded reason (never a key or a message). */
  error(operation: CacheOperation, reason: string): void {
    this.errors.labels({ namespace: this.namespace, operation, reason }).inc();
  }

  /** Records one finished operation; `startedAt` is a `performance.now()` reading. */
  observe(operation: CacheOperation, status: Status, startedAt: number): void {
    const series = this.series(operation);
    series[status].inc();
    series.duration.observe((performance.now() - startedAt) / 1000);
  }

  private series(operation: CacheOperation): OperationSeries {
    let series = this.operationSeries.get(operation);
    if (!series) {
      const labels = { namespace: this.namespace, operation };
      series = {
        ok: this.operations.labels({ ...labels, status: 'ok' }),
        error: this.operations.labels({ ...labels, status: 'error' }),
        duration: this.duration.labels(labels),
      };
      this.operationSeries.set(operation, series);
    }
    return series;
  }

  private lookup(cache: string): LookupSeries {
    let series = this.lookupSeries.get(cache);
    if (!series) {
      const labels = { namespace: this.namespace, cache };
      series = { hit: this.hits.labels(labels), miss: this.misses.labels(labels) };
      this.lookupSeries.set(cache, series);
    }
    return series;
  }
}

/** A bounded, non-secret reason for an error label. */
export function errorReason(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause ?? error;
  if (!(cause instanceof Error)) return 'other';
  if (cause.name === 'CircuitOpenError') return 'circuit_open';
  if (cause instanceof TypeError || cause instanceof SyntaxError) return 'serialization';
  const message = cause.message;
  if (/timed? ?out/i.test(message)) return 'timeout';
  if (/^OOM/.test(message)) return 'oom';
  if (/^READONLY/.test(message)) return 'readonly';
  if (/^LOADING/.test(message)) return 'loading';
  if (/ECONNREFUSED|Connection is closed|connection is down|ENOTFOUND|EHOSTUNREACH|ECONNRESET|max retries|writeable/i.test(message)) return 'connection';
  return 'other';
}
