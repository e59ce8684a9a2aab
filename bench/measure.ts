/** Limits of one phase: it stops at whichever comes first. */
export interface PhaseLimits {
  maxOps: number;
  maxMs: number;
}

export interface PhaseResult {
  ops: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Runs `op` from `concurrency` workers (each keeps exactly one operation in flight) until
 * `maxOps` have been issued or `maxMs` have passed, timing every operation with performance.now().
 * Latencies go into a preallocated array so recording allocates nothing in the loop.
 */
export async function runPhase(op: (index: number) => Promise<unknown>, concurrency: number, limits: PhaseLimits): Promise<PhaseResult> {
  const latencies = new Float64Array(limits.maxOps);
  let issued = 0;
  const startedAt = performance.now();
  const deadline = startedAt + limits.maxMs;

  const worker = async (): Promise<void> => {
    while (issued < limits.maxOps && performance.now() < deadline) {
      const index = issued++;
      const t0 = performance.now();
      await op(index);
      latencies[index] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));

  const elapsedMs = performance.now() - startedAt;
  const sorted = latencies.subarray(0, issued).sort();
  return {
    ops: issued,
    opsPerSec: (issued * 1000) / elapsedMs,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
  };
}

/** Nearest-rank quantile of an ascending array. */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** How each contender of a workload is measured: warm-up, then a measured phase, repeated for some rounds. */
export interface RoundsPlan {
  rounds: number;
  warmup: PhaseLimits;
  measure: PhaseLimits;
  concurrency: number;
}

/**
 * The bench's method for one workload: every round runs each contender once (measurePhase), alternating the
 * contender order between rounds (roundOrder) so drift and GC debt hit every contender alike, and keeps each
 * contender's best round by ops/s. `after` sees every measured round (to log it, or to refuse a result).
 */
export async function bestOfRounds<C>(
  contenders: readonly C[],
  op: (contender: C, index: number) => Promise<unknown>,
  plan: RoundsPlan,
  after: (contender: C, result: PhaseResult, round: number) => void,
): Promise<Map<C, PhaseResult>> {
  const best = new Map<C, PhaseResult>();
  for (let round = 0; round < plan.rounds; round++) {
    for (const contender of roundOrder(contenders, round)) {
      const result = await measurePhase((index) => op(contender, index), plan);
      after(contender, result, round);
      keepBest(best, contender, result);
    }
  }
  return best;
}

/** The contenders in round `round`'s order: as given in even rounds, reversed in odd ones. */
export function roundOrder<C>(contenders: readonly C[], round: number): readonly C[] {
  return round % 2 === 0 ? contenders : [...contenders].reverse();
}

/** One contender's turn: a full GC, the warm-up, another full GC, the measured phase. */
export async function measurePhase(op: (index: number) => Promise<unknown>, plan: Omit<RoundsPlan, 'rounds'>): Promise<PhaseResult> {
  collectGarbage();
  await runPhase(op, plan.concurrency, plan.warmup);
  collectGarbage(); // so one contender's garbage is not collected during the next one's measurement
  return runPhase(op, plan.concurrency, plan.measure);
}

export function keepBest<K>(best: Map<K, PhaseResult>, key: K, result: PhaseResult): void {
  if (result.opsPerSec > (best.get(key)?.opsPerSec ?? 0)) best.set(key, result);
}

/** Available when run with --expose-gc (as `npm run bench` does); harmless without. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
