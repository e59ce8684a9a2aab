import type { Gauge } from 'prom-client';
import { trackGauges, untrackGauges } from '../../telemetry/pending-counts.js';
import type { FootprintReport } from '../../telemetry/footprint-report.js';

export interface FootprintSeries {
  keys: Gauge;
  bytes: Gauge;
  relativeError: Gauge;
  age: Gauge;
}

/** Shows footprint reports as gauges; the age is worked out whenever the registry is read. */
export class FootprintGauges {
  private latest?: FootprintReport;
  /** What the registry calls before a scrape. */
  private readonly ageSource = { publish: () => this.refresh() };

  constructor(private readonly series: FootprintSeries) {
    trackGauges(this.ageSource);
  }

  publish(report: FootprintReport): void {
    this.latest = report;
    for (const [namespace, footprint] of Object.entries(report.namespaces)) {
      this.series.keys.set({ namespace }, footprint.keys);
      this.series.bytes.set({ namespace }, footprint.bytes);
      this.series.relativeError.set({ namespace, estimate: 'keys' }, footprint.keysError);
      this.series.relativeError.set({ namespace, estimate: 'bytes' }, footprint.bytesError);
    }
    this.refresh();
  }

  /** Sets the age gauges (called before every scrape). */
  refresh(): void {
    if (this.latest === undefined) return;
    const ageSeconds = Math.max(0, (Date.now() - this.latest.sampledAt) / 1000);
    for (const namespace of Object.keys(this.latest.namespaces)) this.series.age.set({ namespace }, ageSeconds);
  }

  close(): void {
    untrackGauges(this.ageSource);
  }
}
