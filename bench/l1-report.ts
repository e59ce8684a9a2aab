import type { L1Result } from './l1.js';

const times = (ratio: number): string => `${ratio.toFixed(2)}x`;
const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const goal = (met: boolean): string => (met ? 'met' : '**missed**');

/** The in-process tier's section of bench/results.md. */
export function l1Section(result: L1Result, method: string): string[] {
  const raw = result.hotGet[0].result;
  const l1 = result.hotGet.find((row) => row.label === '@datapunk/nestjs-cache, l1')!.result;
  const bento = result.hotGet.find((row) => row.label.startsWith('bentocache'))!.result;
  const { propagation: p, setThroughput: t } = result;
  const [none, unwritten, held, reread, worst] = t.rows;
  const ratio = (row: { requestsPerSecond: number }): number => row.requestsPerSecond / none.requestsPerSecond;
  const cpuRatio = (row: { serverCpuMicrosPerSet: number }): number => none.serverCpuMicrosPerSet / row.serverCpuMicrosPerSet;
  return [
    '## In-process tier: l1 kept coherent by Redis tracking',
    '',
    `- Method: ${method}`,
    '',
    '### Hot-key get, 100 B, 1 in flight',
    '',
    '| stack | ops/s | p50 ms | p99 ms | ratio to raw ioredis |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...result.hotGet.map(
      ({ label, result: r }) =>
        `| ${label} | ${int(r.opsPerSec)} | ${r.p50Ms.toFixed(4)} | ${r.p99Ms.toFixed(4)} | ${times(r.opsPerSec / raw.opsPerSec)} |`,
    ),
    '',
    `- Goals: l1 ≥ 20x raw ioredis (${times(l1.opsPerSec / raw.opsPerSec)}: ${goal(l1.opsPerSec >= 20 * raw.opsPerSec)}); ≥ bentocache L1+L2 (${times(l1.opsPerSec / bento.opsPerSec)}: ${goal(l1.opsPerSec >= bento.opsPerSec)}).`,
    '',
    '### The cost of `clone: true` (structuredClone per hit)',
    '',
    '| value | clone: false ops/s | clone: true ops/s | ratio |',
    '| --- | ---: | ---: | ---: |',
    ...result.clone.map(
      ({ size, shared, cloned }) =>
        `| ${size} | ${int(shared.opsPerSec)} | ${int(cloned.opsPerSec)} | ${times(cloned.opsPerSec / shared.opsPerSec)} |`,
    ),
    '',
    '### Propagation: a write acknowledged on one process to the eviction on another',
    '',
    '| writes | heard | writes/s | p50 ms | p99 ms | min ms | max ms |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${int(p.writes)} | ${int(p.heard)} | ${int(p.ratePerSecond)} | ${p.p50Ms.toFixed(3)} | ${p.p99Ms.toFixed(3)} | ${p.minMs.toFixed(3)} | ${p.maxMs.toFixed(3)} |`,
    '',
    `- Goals: p50 ≤ 1 ms (${goal(p.p50Ms <= 1)}), p99 ≤ 5 ms (${goal(p.p99Ms <= 5)}) at 1,000 writes/s. A negative time: the other process dropped the key before the writer had its acknowledgement (Redis queues the invalidation before the reply).`,
    '',
    `### Redis SET throughput with ${t.connections} applications tracking the namespace`,
    '',
    '| tracking applications | SET requests/s | ratio to none | redis-server CPU µs per SET | SETs per CPU second, ratio to none |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...t.rows.map(
      (row) =>
        `| ${row.label} | ${int(row.requestsPerSecond)} | ${times(ratio(row))} | ${row.serverCpuMicrosPerSet.toFixed(2)} | ${times(cpuRatio(row))} |`,
    ),
    '',
    `- Goal: ≥ 0.95x with ${t.connections} tracking connections on the prefix: ${times(ratio(unwritten))} (${goal(ratio(unwritten) >= 0.95)}) where they hold keys the run does not write; ` +
      `${times(ratio(held))} (${goal(ratio(held) >= 0.95)}) where they hold 1,000 of the keys it writes; ${times(ratio(reread))} (${goal(ratio(reread) >= 0.95)}) where they also read those again. ` +
      `Redis sends an application the invalidation of a key only if it read the key since its last change (default-mode tracking), so a write costs a message per application holding that key, ` +
      `and nothing otherwise; the worst case (${times(ratio(worst))}) is every key read by all ${t.connections} applications before the run.`,
    `- redis-benchmark -c 50 -r 100000 \`SET key:__rand_int__ <100-byte JSON string>\`, ${int(t.requests)} requests, best of ${t.rounds} runs each, scenarios alternating; ` +
      `the applications are CacheModule instances with l1 on the namespace \`key\` in the bench process, on the same 2-core box as redis-server and redis-benchmark, ` +
      `so the rate also carries their CPU; the CPU column is redis-server's own (INFO cpu, lowest of the runs).`,
    '',
  ];
}
