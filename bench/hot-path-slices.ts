import { collectGarbage, runPhase, type PhaseResult } from './measure.js';

/** One side of a ratio: an operation measured at the row's concurrency. */
export interface Contender {
  label: string;
  op: (index: number) => Promise<unknown>;
}

/**
 * One row of issue 21's table: `measured` ÷ the best of `baselines` (several when there are two honest floors, e.g.
 * raw ioredis with and without auto-pipelining: the row is compared with the faster one, as the main table is).
 */
export interface HotRow {
  workload: string;
  topology: 'single node' | 'cluster';
  concurrency: number;
  /** The goal for the ratio. */
  goal: number;
  measured: Contender;
  baselines: Contender[];
}

export interface SlicePlan {
  rounds: number;
  sliceMs: number;
  /** Ops cap of one slice (the preallocated latency array); the slice normally ends on time. */
  maxOps: number;
}

export interface ContenderResult {
  label: string;
  /** Median over the rounds of each slice's ops/s. */
  medianOpsPerSec: number;
  /** Median over the rounds of each slice's p50 latency. */
  medianP50Ms: number;
  slices: number[];
}

export interface HotRowResult {
  row: HotRow;
  measured: ContenderResult;
  baselines: ContenderResult[];
  /** measured median ÷ the best baseline median. */
  ratio: number;
}

/**
 * The method: every round gives each contender of every row one slice of `sliceMs` (a full GC before it, outside the
 * slice), rows one after the other and a row's contenders back to back, the order reversed every other round; so a
 * busy neighbour, GC debt or drift of the box hits every contender alike, and the ratio is of medians over rounds,
 * which shrugs off a round spoiled by one burst. One warm-up slice per contender comes first, unmeasured.
 */
export async function runSlices(rows: readonly HotRow[], plan: SlicePlan, log: (line: string) => void): Promise<HotRowResult[]> {
  const contendersOf = (row: HotRow): Contender[] => [row.measured, ...row.baselines];
  const slices = new Map<Contender, PhaseResult[]>();
  for (const row of rows) for (const c of contendersOf(row)) await slice(row, c, plan); // warm-up
  for (let round = 0; round < plan.rounds; round++) {
    const ordered = round % 2 === 0 ? rows : [...rows].reverse();
    for (const row of ordered) {
      const contenders = round % 2 === 0 ? contendersOf(row) : contendersOf(row).reverse();
      for (const c of contenders) {
        const result = await slice(row, c, plan);
        slices.set(c, [...(slices.get(c) ?? []), result]);
      }
    }
    log(`hot | round ${round + 1}/${plan.rounds} done`);
  }
  return rows.map((row) => {
    const summarise = (c: Contender): ContenderResult => {
      const results = slices.get(c)!;
      return {
        label: c.label,
        medianOpsPerSec: median(results.map((r) => r.opsPerSec)),
        medianP50Ms: median(results.map((r) => r.p50Ms)),
        slices: results.map((r) => r.opsPerSec),
      };
    };
    const measured = summarise(row.measured);
    const baselines = row.baselines.map(summarise);
    return { row, measured, baselines, ratio: measured.medianOpsPerSec / Math.max(...baselines.map((b) => b.medianOpsPerSec)) };
  });
}

async function slice(row: HotRow, c: Contender, plan: SlicePlan): Promise<PhaseResult> {
  collectGarbage();
  return runPhase(c.op, row.concurrency, { maxOps: plan.maxOps, maxMs: plan.sliceMs });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
