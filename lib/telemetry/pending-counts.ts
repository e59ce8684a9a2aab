import type { Counter } from 'prom-client';

type CounterChild = ReturnType<Counter['labels']>;

/**
 * A counter series whose increments are summed in a plain number and handed to prom-client
 * when the registry is read: a cache hit then costs an addition, not a label hash.
 */
export class PendingCount {
  private pending = 0;

  constructor(private readonly child: CounterChild) {}

  add(count: number): void {
    this.pending += count;
  }

  flush(): void {
    if (this.pending === 0) return;
    this.child.inc(this.pending);
    this.pending = 0;
  }
}

/** Everything with pending counts, flushed by the metrics' `collect` hook before each scrape. */
const live = new Set<{ flush(): void }>();

export function trackPending(owner: { flush(): void }): void {
  live.add(owner);
}

export function untrackPending(owner: { flush(): void }): void {
  owner.flush();
  live.delete(owner);
}

export function flushPendingCounts(): void {
  for (const owner of live) owner.flush();
}

/** Gauges read from live state just before a scrape (the in-process tiers' sizes). */
const gaugeSources = new Set<{ publish(): void }>();

export function trackGauges(owner: { publish(): void }): void {
  gaugeSources.add(owner);
}

export function untrackGauges(owner: { publish(): void }): void {
  gaugeSources.delete(owner);
}

export function publishGauges(): void {
  for (const owner of gaugeSources) owner.publish();
}
