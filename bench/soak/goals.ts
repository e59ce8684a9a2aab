import type { Checker, WindowCounts } from './checker.js';
import type { Windows } from './windows.js';

/** The issue's goals: first hit after a fault within this, RSS growth after warm-up at most this. */
export const FIRST_HIT_WITHIN_MS = 2000;
export const MAX_RSS_GROWTH = 0.05;

export interface Goal {
  goal: string;
  measured: string;
  met: boolean;
}

export interface MemoryGrowth {
  instance: number;
  baselineMb: number;
  endMb: number;
  growth: number;
  heapBaselineMb: number;
  heapEndMb: number;
}

export function totals(checker: Checker): WindowCounts {
  const sum = (pick: (counts: WindowCounts) => number): number =>
    checker.perWindow.reduce((total, counts) => total + (counts ? pick(counts) : 0), 0);
  return {
    reads: sum((c) => c.reads),
    getOrSetCalls: sum((c) => c.getOrSetCalls),
    callerErrors: sum((c) => c.callerErrors),
    getErrors: sum((c) => c.getErrors),
    hits: sum((c) => c.hits),
    pastBound: sum((c) => c.pastBound),
    pastTtl: sum((c) => c.pastTtl),
    lostInvalidations: sum((c) => c.lostInvalidations),
    wrongKey: sum((c) => c.wrongKey),
    loads: sum((c) => c.loads),
    excessLoads: sum((c) => c.excessLoads),
    maxLoadsPerKeyTtl: Math.max(0, ...checker.perWindow.map((c) => c?.maxLoadsPerKeyTtl ?? 0)),
    firstHitMs: new Map(),
    durations: [],
    staleSamples: checker.perWindow.flatMap((c) => c?.staleSamples ?? []).slice(0, 10),
  };
}

/** Slowest instance's first hit after the fault ended (Infinity: some instance had none before the next fault). */
export function firstHitAfter(counts: WindowCounts | undefined, instances: number): number {
  if (!counts || counts.firstHitMs.size < instances) return Infinity;
  return Math.max(...counts.firstHitMs.values());
}

export function evaluate(checker: Checker, windows: Windows, memory: MemoryGrowth[], instances: number): Goal[] {
  const all = totals(checker);
  const faults = windows.list.map((window, i) => ({ window, counts: checker.perWindow[i] })).slice(1);
  const slowest = faults.map(({ window, counts }) => ({ name: window.name, ms: firstHitAfter(counts, instances) }));
  const worst = slowest.reduce((a, b) => (b.ms > a.ms ? b : a), { name: '-', ms: 0 });
  const growth = memory.reduce((a, b) => (b.growth > a.growth ? b : a), memory[0]);
  const failedFaults = windows.list.filter((window) => window.failed !== undefined);
  return [
    {
      goal: 'reads past the staleness bound',
      measured: `${all.pastBound + all.pastTtl} (invalidation bound ${all.pastBound}, TTL bound ${all.pastTtl})`,
      met: all.pastBound + all.pastTtl === 0,
    },
    { goal: 'errors surfaced to getOrSet callers', measured: String(all.callerErrors), met: all.callerErrors === 0 },
    {
      goal: 'lost invalidations',
      measured: `${all.lostInvalidations + checker.neverApplied + checker.droppedInvalidations} (stale after replay ${all.lostInvalidations}, never applied ${checker.neverApplied}, dropped ${checker.droppedInvalidations})`,
      met: all.lostInvalidations + checker.neverApplied + checker.droppedInvalidations === 0,
    },
    { goal: 'values of another key', measured: String(all.wrongKey), met: all.wrongKey === 0 },
    {
      goal: `RSS growth after warm-up <= ${MAX_RSS_GROWTH * 100} %`,
      measured: growth
        ? `${(growth.growth * 100).toFixed(1)} % (instance ${growth.instance}: ${growth.baselineMb.toFixed(1)} -> ${growth.endMb.toFixed(1)} MB)`
        : 'no samples',
      met: growth !== undefined && memory.every((m) => m.growth <= MAX_RSS_GROWTH),
    },
    {
      goal: `first hit within ${FIRST_HIT_WITHIN_MS} ms after each fault ends`,
      measured:
        faults.length === 0
          ? 'no fault ran'
          : `slowest ${Number.isFinite(worst.ms) ? `${Math.round(worst.ms)} ms` : 'none'} (${worst.name})`,
      met: faults.length > 0 && slowest.every((fault) => fault.ms <= FIRST_HIT_WITHIN_MS),
    },
    {
      goal: 'every fault action ran',
      measured: failedFaults.length === 0 ? 'yes' : failedFaults.map((w) => `${w.name}: ${w.failed}`).join('; '),
      met: failedFaults.length === 0,
    },
  ];
}

/** Median RSS over the 10 s from `from` (after warm-up) against the median over the last 10 s, per instance. */
export function memoryGrowth(samples: Array<Array<[number, number, number]>>, from: number, stopAt: number): MemoryGrowth[] {
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)];
  };
  const mb = 1024 * 1024;
  return samples.map((rows, instance) => {
    const early = rows.filter(([t]) => t >= from && t < from + 10_000);
    const late = rows.filter(([t]) => t >= stopAt - 10_000 && t <= stopAt);
    const [baseline, end] = [median(early.map((r) => r[1])), median(late.map((r) => r[1]))];
    return {
      instance,
      baselineMb: baseline / mb,
      endMb: end / mb,
      growth: end / baseline - 1,
      heapBaselineMb: median(early.map((r) => r[2])) / mb,
      heapEndMb: median(late.map((r) => r[2])) / mb,
    };
  });
}
