import type { Histogram } from 'prom-client';

/** What prom-client 15 keeps per label set of a histogram: the counts per upper bound (not cumulative), sum, count. */
interface HistogramEntry {
  labels: Record<string, string | number>;
  bucketValues: Record<string, number>;
  sum: number;
  count: number;
}

/** The part of prom-client's Histogram the hand-over reads: its label sets and bounds (no public bulk observe exists). */
interface HistogramInternals {
  hashMap?: Record<string, HistogramEntry>;
  upperBounds?: readonly number[];
}

/**
 * A histogram series whose observations are counted per bucket in plain numbers and handed to prom-client when the
 * registry is read: an observation then costs a bucket search and three additions, not a label hash and two objects.
 * prom-client has no bulk observe, so the hand-over adds the counts into the label set's own entry, found by its
 * labels object (the one this series created it with, through the public `zero`) and checked for the shape
 * prom-client 15 gives it; anything else (another major version) falls back to replaying the observations through
 * the public `observe`, with exact buckets and count and each bucket's upper bound as its value.
 */
export class PendingHistogram {
  private readonly bounds: readonly number[];
  /** Observations per bucket; the last slot counts those above every bound (+Inf). */
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;
  private max = 0;
  private entry?: { key: string; value: HistogramEntry };

  constructor(
    private readonly histogram: Histogram,
    private readonly labels: Record<string, string>,
  ) {
    this.bounds = [...((histogram as unknown as HistogramInternals).upperBounds ?? [])];
    this.counts = new Float64Array(this.bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return; // prom-client throws on these; a clock reading never is one
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
    if (value > this.max) this.max = value;
  }

  flush(): void {
    if (this.count === 0) return;
    const entry = this.bind();
    if (entry === undefined) this.replay();
    else {
      for (let i = 0; i < this.bounds.length; i++) entry.bucketValues[this.bounds[i]] += this.counts[i];
      entry.sum += this.sum;
      entry.count += this.count;
    }
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
    this.max = 0;
  }

  /** The label set's entry in prom-client (made with `zero` if it has none yet); undefined when its shape is unknown. */
  private bind(): HistogramEntry | undefined {
    const map = (this.histogram as unknown as HistogramInternals).hashMap;
    if (map === undefined || map === null || typeof map !== 'object') return undefined;
    if (this.entry !== undefined && map[this.entry.key] === this.entry.value) return this.entry.value;
    this.entry = this.find(map);
    if (this.entry === undefined) {
      this.histogram.zero(this.labels);
      this.entry = this.find((this.histogram as unknown as HistogramInternals).hashMap ?? {});
    }
    return this.entry?.value;
  }

  private find(map: Record<string, HistogramEntry>): { key: string; value: HistogramEntry } | undefined {
    for (const key of Object.keys(map)) {
      const value = map[key];
      if (value === undefined || value === null || !sameLabels(value.labels, this.labels)) continue;
      return this.hasKnownShape(value) ? { key, value } : undefined;
    }
    return undefined;
  }

  private hasKnownShape(entry: HistogramEntry): boolean {
    const { bucketValues } = entry;
    return (
      typeof entry.sum === 'number' &&
      typeof entry.count === 'number' &&
      typeof bucketValues === 'object' &&
      bucketValues !== null &&
      this.bounds.every((bound) => typeof bucketValues[bound] === 'number')
    );
  }

  /** Through the public API, one observe per observation (only where prom-client's internals are not as expected). */
  private replay(): void {
    const child = this.histogram.labels(this.labels);
    for (let i = 0; i < this.counts.length; i++) {
      const value = i < this.bounds.length ? this.bounds[i] : this.max;
      for (let n = 0; n < this.counts[i]; n++) child.observe(value);
    }
  }
}

function sameLabels(actual: Record<string, string | number> | undefined, wanted: Record<string, string>): boolean {
  if (actual === wanted) return true;
  if (actual === undefined || actual === null) return false;
  const keys = Object.keys(wanted);
  if (Object.keys(actual).length !== keys.length) return false;
  return keys.every((key) => String(actual[key]) === wanted[key]);
}
