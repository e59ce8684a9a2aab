import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { RedisServer } from '../test/support/redis-server.js';
import { runPhase, type PhaseLimits, type PhaseResult } from './measure.js';
import { pinCpus } from './pin.js';
import { markdown, type Row } from './report.js';
import { cacheManagerKeyv, nestjsCache, rawIoredis, type Stack } from './stacks.js';
import { workloads, type Workload } from './workloads.js';

// Compiled to dist-bench/bench/run.js: paths below are relative to that file, i.e. to the package root.
const ROOT = new URL('../../', import.meta.url);
const RESULTS = new URL('bench/results.md', ROOT);

const MEASURE_MS = Number(process.env.BENCH_MS ?? 1000);
/**
 * Rounds alternate the stack order (drift and GC debt hit every stack alike) and the best round is kept:
 * on a small shared box, a transient neighbour can cost one phase 20-40 %, and three short rounds
 * recover from that better than two long ones, for the same ~1.5 min total.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP: PhaseLimits = { maxOps: 5_000, maxMs: 300 };
/** For profiling one case, e.g. BENCH_STACKS=datapunk BENCH_WORKLOADS=set (substrings); a filtered run leaves results.md alone. */
const STACK_FILTER = process.env.BENCH_STACKS;
const WORKLOAD_FILTER = process.env.BENCH_WORKLOADS;

const loadAtStart = loadavg()[0];
const server = await RedisServer.start();
// Ctrl-C must not leave our redis-server behind; it is stopped by its own PID.
process.once('SIGINT', () => void server.dispose().finally(() => process.exit(130)));
const pinning = pinCpus(server.pid);

const stacks: Stack[] = [];
try {
  const redisVersion = await readRedisVersion(server.url);
  const factories = [
    () => rawIoredis(server.url, false),
    () => rawIoredis(server.url, true),
    () => nestjsCache(server.url),
    () => cacheManagerKeyv(server.url),
  ];
  for (const create of factories) {
    const stack = await create();
    if (STACK_FILTER && !stack.name.includes(STACK_FILTER)) await stack.close();
    else stacks.push(stack);
  }

  const rows: Row[] = [];
  for (const workload of workloads.filter((w) => !WORKLOAD_FILTER || w.name.includes(WORKLOAD_FILTER)))
    rows.push(...(await benchWorkload(workload)));

  const report = await markdown(
    rows,
    {
      redisVersion,
      loadAtStart,
      versions: packageVersions([
        '@datapunk/nestjs-cache',
        'ioredis',
        'cache-manager',
        'keyv',
        '@keyv/redis',
        '@redis/client',
        '@nestjs/core',
      ]),
      method:
        `per workload and stack, a warm-up (≤ ${WARMUP.maxMs} ms / ${WARMUP.maxOps} ops), then a measured phase (≤ ${MEASURE_MS} ms or the workload's op cap); ` +
        `best of ${ROUNDS} rounds by ops/s, stack order alternating; latency = performance.now() around each awaited call; ${pinning}.`,
    },
    RESULTS,
  );
  process.stdout.write(`\n${report}`);
  if (!STACK_FILTER && !WORKLOAD_FILTER) {
    writeFileSync(RESULTS, report);
    process.stderr.write(`\nwritten to bench/results.md\n`);
  }
} finally {
  for (const stack of stacks) await stack.close();
  await server.dispose();
}

async function benchWorkload(workload: Workload): Promise<Row[]> {
  for (const stack of stacks) await workload.prepare(stack);
  const best = new Map<Stack, PhaseResult>();
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? stacks : [...stacks].reverse();
    for (const stack of order) {
      const op = (index: number): Promise<unknown> => workload.op(stack, index);
      collectGarbage();
      await runPhase(op, workload.concurrency, WARMUP);
      collectGarbage(); // so one stack's garbage is not collected during the next one's measurement
      const result = await runPhase(op, workload.concurrency, { maxOps: workload.maxOps, maxMs: MEASURE_MS });
      if (stack.swallowedErrors() > 0)
        throw new Error(`${stack.name} swallowed ${stack.swallowedErrors()} store errors during "${workload.name}"`);
      process.stderr.write(`${workload.name} | ${stack.name} | round ${round + 1}: ${Math.round(result.opsPerSec)} ops/s\n`);
      if (result.opsPerSec > (best.get(stack)?.opsPerSec ?? 0)) best.set(stack, result);
    }
  }
  // NaN when a filtered run has no raw row: the report prints n/a rather than a ratio to nothing.
  const raws = stacks.filter((stack) => stack.isRaw).map((stack) => best.get(stack)!.opsPerSec);
  const floor = raws.length > 0 ? Math.max(...raws) : Number.NaN;
  return stacks.map((stack) => {
    const result = best.get(stack)!;
    return { workload: workload.name, stack: stack.name, ...result, ratio: result.opsPerSec / floor };
  });
}

async function readRedisVersion(url: string): Promise<string> {
  const client = new Redis(url);
  try {
    return /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? 'unknown';
  } finally {
    await client.quit();
  }
}

/** Versions as installed; 'unknown' rather than a crash after the run if npm laid node_modules out differently. */
function packageVersions(names: string[]): Record<string, string> {
  const read = (path: string): string => {
    try {
      return (JSON.parse(readFileSync(new URL(path, ROOT), 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  };
  return Object.fromEntries(
    names.map((name) => [name, read(name === '@datapunk/nestjs-cache' ? 'package.json' : `node_modules/${name}/package.json`)]),
  );
}

/** Available when run with --expose-gc (as `npm run bench` does); harmless without. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
