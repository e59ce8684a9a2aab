import type { Counter, Gauge } from 'prom-client';
import type { RedisInfoReport } from './redis-info.js';

export interface RedisInfoSeries {
  usedMemory: Gauge;
  maxMemory: Gauge;
  fragmentation: Gauge;
  evictedKeys: Counter;
  expiredKeys: Counter;
}

/**
 * Shows INFO reports. Redis's evicted/expired counts are totals since the server started; the counters here grow by
 * the difference between reports (a smaller total means Redis restarted: it counts from there), so `rate()` is right
 * however often instances or Redis restart.
 */
export class RedisInfoGauges {
  private last?: RedisInfoReport;

  constructor(
    private readonly namespace: string,
    private readonly series: RedisInfoSeries,
  ) {}

  publish(report: RedisInfoReport): void {
    const labels = { namespace: this.namespace };
    this.series.usedMemory.set(labels, report.usedMemory);
    this.series.maxMemory.set(labels, report.maxMemory);
    this.series.fragmentation.set(labels, report.fragmentation);
    this.series.evictedKeys.inc(labels, growth(this.last?.evictedKeys, report.evictedKeys));
    this.series.expiredKeys.inc(labels, growth(this.last?.expiredKeys, report.expiredKeys));
    this.last = report;
  }
}

/** 0 on the first report (the series appears at 0); the total itself after a restart of Redis. */
function growth(previous: number | undefined, current: number): number {
  if (previous === undefined) return 0;
  return current >= previous ? current - previous : current;
}
