import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { RedisCluster } from '../test/support/redis-cluster.js';
import { RedisServer } from '../test/support/redis-server.js';
import { benchHotPath } from './hot-path.js';
import { hotPathSection, withHotPathSection } from './hot-path-report.js';
import type { SlicePlan } from './hot-path-slices.js';
import { startCpuMeter } from './neighbours.js';

/**
 * `npm run bench:hot`: only the hot-path section (~2 min), against a redis-server and a 3-master Cluster it starts itself;
 * prints the section and writes it into bench/results.md in place (the other sections are left as they are).
 * BENCH_HOT_CLUSTER=0 skips the Cluster rows; BENCH_HOT_ROWS=tagged runs only rows whose workload contains "tagged"; BENCH_HOT_WRITE=0 only prints.
 */
export const HOT_PLAN: SlicePlan = {
  rounds: Number(process.env.BENCH_HOT_ROUNDS ?? 10),
  sliceMs: Number(process.env.BENCH_HOT_SLICE_MS ?? 300),
  maxOps: 3_000_000,
};

const ROOT = new URL('../../', import.meta.url);
const RESULTS = new URL('bench/results.md', ROOT);

/** The section's lines for a run against `url` (and a Cluster it starts unless BENCH_HOT_CLUSTER=0). */
export async function runHotPath(server: RedisServer, log: (line: string) => void): Promise<string[]> {
  const cluster = process.env.BENCH_HOT_CLUSTER === '0' ? undefined : await RedisCluster.start();
  try {
    const meter = startCpuMeter(server.pid);
    const startedAt = performance.now();
    const results = await benchHotPath({ url: server.url, cluster: cluster?.nodes }, HOT_PLAN, log);
    const seconds = (performance.now() - startedAt) / 1000;
    return hotPathSection(
      results,
      HOT_PLAN,
      `Nest applications (CacheModule.forRoot with the defaults, namespaces by withNamespace; l1: {} for the l1 row) in one process ` +
        `against one redis-server${cluster ? ' and, for the tagged rows, a real 3-master Cluster (3 replicas) on loopback' : ''}; ` +
        `100 B values (bench/data.ts), 1,000 keys per contender; the 1.5 KB and 100 KB documents from bench/realistic-doc.ts; tagged = 1 tag; ` +
        `the section ran in ${seconds.toFixed(0)} s${meter ? `; ${meter()}` : ''}`,
    );
  } finally {
    await cluster?.stop();
  }
}

// Run alone (node dist-bench/bench/hot-path-main.js), not when run.ts imports runHotPath.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await RedisServer.start();
  process.once('SIGINT', () => void server.dispose().finally(() => process.exit(130)));
  try {
    const lines = await runHotPath(server, (line) => process.stderr.write(`${line}\n`));
    const options = await resolveConfig(fileURLToPath(RESULTS));
    const section = await format(lines.join('\n'), { ...options, parser: 'markdown' });
    process.stdout.write(`\n${section}`);
    if (process.env.BENCH_HOT_WRITE !== '0') {
      const updated = await format(withHotPathSection(readFileSync(RESULTS, 'utf8'), section), { ...options, parser: 'markdown' });
      writeFileSync(RESULTS, updated);
      process.stderr.write('\nhot-path section written to bench/results.md\n');
    }
  } finally {
    await server.dispose();
  }
}
