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
 * `untimed`, when given, runs before each operation outside its timing and outside ops/s (which is why it
 * needs 1 in flight): the state an operation must find, e.g. a tag's token put back before each invalidation.
 */
export async function runPhase(
  op: (index: number) => Promise<unknown>,
  concurrency: number,
  limits: PhaseLimits,
  untimed?: (index: number) => Promise<unknown>,
): Promise<PhaseResult> {
  if (untimed !== undefined && concurrency !== 1) throw new Error('runPhase: an untimed step needs 1 in flight');
  const latencies = new Float64Array(limits.maxOps);
  let issued = 0;
  let untimedMs = 0;
  const startedAt = performance.now();
  const deadline = startedAt + limits.maxMs;

  const worker = async (): Promise<void> => {
    while (issued < limits.maxOps && performance.now() < deadline) {
      const index = issued++;
      if (untimed !== undefined) {
        const u0 = performance.now();
        await untimed(index);
        untimedMs += performance.now() - u0;
      }
      const t0 = performance.now();
      await op(index);
      latencies[index] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));

  const elapsedMs = performance.now() - startedAt - untimedMs;
  const sorted = latencies.subarray(0, issued).sort();
  return {
    ops: issued,
    opsPerSec: (issued * 1000) / elapsedMs,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
  };
}

/**
 * Contenders measured in one phase at 1 in flight, one call of each in turn, until each has made `maxOps` calls or
 * `maxMs` have passed: whatever the box does during the phase hits every contender alike, so their latency ratios
 * hold to a few µs (at 1 in flight, separate phases of one contender differ by 10-30 % on a shared 2-core box).
 * Contender `c` gets its own call count as index; `untimed[c]` runs before each of its calls as in runPhase.
 * Each result's ops/s counts only that contender's timed calls (1 ÷ its mean latency).
 */
export async function runInterleaved(
  ops: ReadonlyArray<(index: number) => Promise<unknown>>,
  limits: PhaseLimits,
  untimed: ReadonlyArray<((index: number) => Promise<unknown>) | undefined> = [],
): Promise<PhaseResult[]> {
  const latencies = ops.map(() => new Float64Array(limits.maxOps));
  const timedMs = ops.map(() => 0);
  const deadline = performance.now() + limits.maxMs;
  let calls = 0;
  for (; calls < limits.maxOps && performance.now() < deadline; calls++) {
    for (let c = 0; c < ops.length; c++) {
      await untimed[c]?.(calls);
      const t0 = performance.now();
      await ops[c](calls);
      const ms = performance.now() - t0;
      latencies[c][calls] = ms;
      timedMs[c] += ms;
    }
  }
  return latencies.map((all, c) => {
    const sorted = all.subarray(0, calls).sort();
    return { ops: calls, opsPerSec: (calls * 1000) / timedMs[c], p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99) };
  });
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

/** One contender's turn: a full GC, the warm-up, another full GC, the measured phase (`untimed`: see runPhase). */
export async function measurePhase(
  op: (index: number) => Promise<unknown>,
  plan: Omit<RoundsPlan, 'rounds'>,
  untimed?: (index: number) => Promise<unknown>,
): Promise<PhaseResult> {
  collectGarbage();
  await runPhase(op, plan.concurrency, plan.warmup, untimed);
  collectGarbage(); // so one contender's garbage is not collected during the next one's measurement
  return runPhase(op, plan.concurrency, plan.measure, untimed);
}

export function keepBest<K>(best: Map<K, PhaseResult>, key: K, result: PhaseResult): void {
  if (result.opsPerSec > (best.get(key)?.opsPerSec ?? 0)) best.set(key, result);
}

/** Available when run with --expose-gc (as `npm run bench` does); harmless without. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
