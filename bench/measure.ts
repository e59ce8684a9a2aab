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
