import { Histogram, Registry } from 'prom-client';
import { PendingHistogram } from '../../lib/telemetry/pending-histogram.js';

const BUCKETS = [0.25, 0.5, 1, 2];

/** Two histograms with the same buckets in a real registry: one observed directly, one through PendingHistogram. */
function pair(): { registry: Registry; direct: Histogram; batched: Histogram; pending: PendingHistogram } {
  const registry = new Registry();
  const make = (name: string, collect?: () => void): Histogram =>
    new Histogram({ name, help: name, labelNames: ['namespace', 'operation'], buckets: BUCKETS, registers: [registry], collect });
  const direct = make('direct_seconds');
  const flushers: Array<() => void> = [];
  const batched = make('batched_seconds', () => flushers.forEach((flush) => flush()));
  const pending = new PendingHistogram(batched, { namespace: 'ns', operation: 'get' });
  flushers.push(() => pending.flush());
  return { registry, direct, batched, pending };
}

/** The samples of a histogram (buckets, sum, count) without its name, to compare two histograms. */
async function samples(histogram: Histogram): Promise<Array<[string, Record<string, unknown>, number]>> {
  const { values } = await histogram.get();
  return values.map((sample) => [
    String((sample as { metricName?: string }).metricName).replace(/^[a-z]+_seconds/, ''),
    sample.labels,
    sample.value,
  ]);
}

describe('PendingHistogram', () => {
  // Dyadic values: their sums are exact in floating point whatever the order of addition.
  const values = [0.125, 0.25, 0.375, 0.5, 0.75, 1, 1.5, 2, 3, 8, 0.0625];

  it('a scrape shows exactly the buckets, sum and count observed, as prom-client observe would have', async () => {
    const { registry, direct, batched, pending } = pair();
    for (const value of values) {
      direct.labels({ namespace: 'ns', operation: 'get' }).observe(value);
      pending.observe(value);
    }
    expect(await samples(batched)).toEqual(await samples(direct));
    const text = await registry.metrics();
    expect(text).toContain('batched_seconds_bucket{le="0.25",namespace="ns",operation="get"} 3');
    expect(text).toContain('batched_seconds_bucket{le="+Inf",namespace="ns",operation="get"} 11');
    expect(text).toContain('batched_seconds_sum{namespace="ns",operation="get"} 17.5625');
    expect(text).toContain('batched_seconds_count{namespace="ns",operation="get"} 11');
  });

  it('adds each scrape to what earlier scrapes handed over, and survives a reset of the histogram', async () => {
    const { direct, batched, pending } = pair();
    const child = direct.labels({ namespace: 'ns', operation: 'get' });
    const observe = (value: number): void => {
      child.observe(value);
      pending.observe(value);
    };
    values.slice(0, 4).forEach(observe);
    expect(await samples(batched)).toEqual(await samples(direct));
    values.slice(4).forEach(observe);
    expect(await samples(batched)).toEqual(await samples(direct));
    expect(await samples(batched)).toEqual(await samples(direct)); // a scrape with nothing pending changes nothing
    direct.reset();
    batched.reset();
    child.observe(0.5);
    pending.observe(0.5);
    expect(await samples(batched)).toEqual(await samples(direct));
  });

  it('keeps observations made through prom-client on the same label set', async () => {
    const { direct, batched, pending } = pair();
    for (const histogram of [direct, batched]) histogram.labels({ namespace: 'ns', operation: 'get' }).observe(0.75);
    direct.labels({ namespace: 'ns', operation: 'get' }).observe(1.5);
    pending.observe(1.5);
    expect(await samples(batched)).toEqual(await samples(direct));
  });
});
