import 'reflect-metadata';
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { CacheManager, CacheModule } from '@datapunk/nestjs-cache';
import { keyRange, sizedValue } from './data.js';
import { measurePhase, keepBest, roundOrder, type PhaseLimits, type PhaseResult } from './measure.js';
import { bentocacheL1L2 } from './bentocache-stack.js';

const run = promisify(execFile);

export interface L1Plan {
  rounds: number;
  warmup: PhaseLimits;
  measureMs: number;
  /** Writes of the propagation measurement, paced at `writesPerSecond`. */
  propagationWrites: number;
  writesPerSecond: number;
  /** Tracking connections (applications with l1 on the benchmarked prefix) for the SET throughput rows. */
  trackingConnections: number;
  /** redis-benchmark requests per run. */
  benchmarkRequests: number;
  /** Rounds of the SET throughput scenarios (redis-benchmark's rate is noisy on a small box). */
  setRounds: number;
}

export interface Contender {
  label: string;
  get(key: string): Promise<unknown>;
}

export interface L1Result {
  /** Hot-key get, 1 in flight: raw ioredis, the package without and with l1, bentocache L1+L2. */
  hotGet: Array<{ label: string; result: PhaseResult }>;
  /** l1 hits with clone false and true, per value size. */
  clone: Array<{ size: string; shared: PhaseResult; cloned: PhaseResult }>;
  propagation: { writes: number; heard: number; ratePerSecond: number; p50Ms: number; p99Ms: number; maxMs: number; minMs: number };
  /** redis-benchmark SET requests/s per scenario; the first row has no tracking application. */
  setThroughput: { connections: number; rounds: number; requests: number; rows: Array<{ label: string; requestsPerSecond: number; serverCpuMicrosPerSet: number }> };
}

const HOT_KEYS = 16;
const NAMESPACE = 'bench-l1';

/**
 * The in-process tier section: hot-key gets against raw ioredis and bentocache's L1+L2, the cost of `clone`, how fast a
 * write on one process evicts the key on another, and what tracking connections cost Redis's SET throughput.
 */
export async function benchL1(url: string, plan: L1Plan, log: (line: string) => void): Promise<L1Result> {
  const small = sizedValue(100);
  const large = sizedValue(10 * 1024);
  const app = await NestFactory.createApplicationContext(
    CacheModule.forRoot({
      namespace: NAMESPACE,
      redis: { url },
      l1: {},
      namespaces: { [`${NAMESPACE}-off`]: { l1: false }, [`${NAMESPACE}-clone`]: { l1: { clone: true } } },
    }),
    { logger: false },
  );
  const raw = new Redis(url);
  const bento = await bentocacheL1L2(url);
  try {
    const withL1 = app.get(CacheManager);
    const withoutL1 = withL1.withNamespace(`${NAMESPACE}-off`);
    const cloned = withL1.withNamespace(`${NAMESPACE}-clone`);
    const keys = keyRange('hot', HOT_KEYS);
    const largeKeys = keyRange('hot-10k', HOT_KEYS);
    for (const key of keys) {
      await raw.set(`raw-l1:${key}`, small.json);
      for (const cache of [withL1, withoutL1, cloned]) await cache.set(key, small.value);
      await bento.set(key, small.value);
    }
    for (const key of largeKeys) for (const cache of [withL1, cloned]) await cache.set(key, large.value);
    await sleep(100); // the writes' own invalidations come back before the rounds: fills from then on stay
    const contenders: Contender[] = [
      { label: 'raw ioredis (GET + JSON.parse)', get: async (key) => JSON.parse((await raw.get(`raw-l1:${key}`))!) },
      { label: '@datapunk/nestjs-cache, l1 off', get: (key) => withoutL1.get(key) },
      { label: '@datapunk/nestjs-cache, l1', get: (key) => withL1.get(key) },
      { label: 'bentocache 1.6.1, L1 memory + L2 redis + bus', get: (key) => bento.get(key) },
    ];
    await checkValues(contenders, keys, small.json);
    const hotGet = await bestRounds(contenders, keys, plan, log, 'hot get 100 B');
    const clone: L1Result['clone'] = [];
    for (const [size, sizeKeys, json] of [
      ['100 B', keys, small.json],
      ['10 KB', largeKeys, large.json],
    ] as const) {
      const pair: Contender[] = [
        { label: 'clone: false', get: (key) => withL1.get(key) },
        { label: 'clone: true', get: (key) => cloned.get(key) },
      ];
      await checkValues(pair, sizeKeys, json);
      const [shared, copied] = await bestRounds(pair, sizeKeys, plan, log, `l1 get ${size}`);
      clone.push({ size, shared: shared.result, cloned: copied.result });
    }
    const propagation = await measurePropagation(url, withL1, plan, log);
    const setThroughput = await measureSetThroughput(url, plan, log);
    return { hotGet, clone, propagation, setThroughput };
  } finally {
    await bento.close();
    raw.disconnect();
    await app.close();
  }
}

/** Every contender returns the stored value (read twice: the second read is the one a hot key gets). */
async function checkValues(contenders: Contender[], keys: string[], json: string): Promise<void> {
  for (const contender of contenders)
    for (let i = 0; i < 2; i++)
      for (const key of keys) {
        const value = await contender.get(key);
        if (JSON.stringify(value) !== json) throw new Error(`${contender.label} returned something else for ${key}`);
      }
}

async function bestRounds(contenders: Contender[], keys: string[], plan: L1Plan, log: (line: string) => void, what: string) {
  const best = new Map<Contender, PhaseResult>();
  for (let round = 0; round < plan.rounds; round++) {
    for (const contender of roundOrder(contenders, round)) {
      const result = await measurePhase((index) => contender.get(keys[index % keys.length]), {
        concurrency: 1,
        warmup: plan.warmup,
        measure: { maxOps: 5_000_000, maxMs: plan.measureMs },
      });
      log(`l1 | ${what} | ${contender.label} | round ${round + 1}: ${Math.round(result.opsPerSec)} ops/s`);
      keepBest(best, contender, result);
    }
  }
  return contenders.map((contender) => ({ label: contender.label, result: best.get(contender)! }));
}

/**
 * A write acknowledged here, its eviction heard by another process (l1-listener.ts): writes paced at the planned
 * rate, each to a key of its own, the listener timestamping when its tier drops each key. Negative: the other process
 * evicted before this one had its acknowledgement (Redis sends the invalidation before the reply).
 */
async function measurePropagation(
  url: string,
  writer: CacheManager,
  plan: L1Plan,
  log: (line: string) => void,
): Promise<L1Result['propagation']> {
  const namespace = `${NAMESPACE}-prop`;
  const cache = writer.withNamespace(namespace);
  const script = fileURLToPath(new URL('./l1-listener.js', import.meta.url));
  const child = spawn(process.execPath, [script, url, namespace, String(plan.propagationWrites)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  while (!output.includes('ready\n')) {
    if (child.exitCode !== null) throw new Error('the l1 listener exited before it was ready');
    await sleep(20);
  }
  const ackAt = new Float64Array(plan.propagationWrites);
  const intervalMs = 1000 / plan.writesPerSecond;
  const startedAt = performance.now();
  for (let i = 0; i < plan.propagationWrites; i++) {
    const due = startedAt + i * intervalMs;
    while (performance.now() < due) await (due - performance.now() > 2 ? sleep(1) : new Promise((resolve) => setImmediate(resolve)));
    await cache.set(`prop:${i}`, i);
    ackAt[i] = performance.timeOrigin + performance.now();
  }
  const ratePerSecond = (plan.propagationWrites * 1000) / (performance.now() - startedAt);
  await sleep(200); // the last invalidations arrive
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin.end();
  await exited;
  const evictedAt = JSON.parse(output.slice(output.indexOf('ready\n') + 6).trim()) as Record<string, number>;
  const latencies: number[] = [];
  for (let i = 0; i < plan.propagationWrites; i++) {
    const at = evictedAt[`${namespace}:prop:${i}`];
    if (at !== undefined) latencies.push(at - ackAt[i]);
  }
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)];
  log(
    `l1 | propagation | ${latencies.length}/${plan.propagationWrites} heard at ${ratePerSecond.toFixed(0)} writes/s: p50 ${q(0.5).toFixed(3)} ms, p99 ${q(0.99).toFixed(3)} ms`,
  );
  return {
    writes: plan.propagationWrites,
    heard: latencies.length,
    ratePerSecond,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    maxMs: latencies[latencies.length - 1],
    minMs: latencies[0],
  };
}

/** Keys of the SET throughput runs, as the cache names them: redis-benchmark writes `key:` + 12 digits below KEY_SPACE. */
const KEY_SPACE = 100_000;
const HOT_SET = 1_000;
const benchmarkKey = (n: number): string => String(n).padStart(12, '0');

/** What the tracking applications do around a redis-benchmark run. */
interface SetScenario {
  label: string;
  /** Applications with l1 on the namespace `key` (0: none). */
  apps: number;
  /** Keys each application read before the run (Redis tracks them for it). */
  keysRead: readonly string[];
  /** Each application reads its hot keys again every this many ms during the run (through l1: only evicted ones reach Redis). */
  rereadEveryMs?: number;
}

/**
 * redis-benchmark SET throughput on `key:<random below 100,000>` with no application, then with `trackingConnections`
 * applications with l1 on the namespace `key`, holding keys the run does not write, holding 1,000 of those it writes
 * (and reading them again twice a second), and, as the worst case, each having read all 100,000 keys before the run,
 * so that every key's first write goes to all of them. Also redis-server's own CPU per SET (INFO cpu), which the
 * client processes sharing the box do not blur. Scenarios alternate; best of the rounds each. The value is a JSON
 * string, which the applications read as a cached value.
 */
async function measureSetThroughput(url: string, plan: L1Plan, log: (line: string) => void): Promise<L1Result['setThroughput']> {
  const port = new URL(url).port;
  const value = JSON.stringify('x'.repeat(98)); // 100 bytes, like -d 100
  const server = new Redis(url);
  const serverCpuMs = async (): Promise<number> => {
    const info = await server.info('cpu');
    const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)![1]);
    return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
  };
  const setRps = async (): Promise<{ rps: number; cpuMs: number }> => {
    const cpuBefore = await serverCpuMs();
    const { stdout } = await run(
      'redis-benchmark',
      ['-p', port, '-n', String(plan.benchmarkRequests), '-c', '50', '-r', String(KEY_SPACE), '--csv', 'SET', 'key:__rand_int__', value],
      { timeout: 120_000 },
    );
    const line = stdout.split('\n').find((row) => row.startsWith('"SET'));
    if (line === undefined) throw new Error(`redis-benchmark printed no SET row:\n${stdout}`);
    // "<command>","<requests/s>",…: the command's own quotes are not escaped, so split on the separators.
    return { rps: Number(line.split('","')[1]), cpuMs: (await serverCpuMs()) - cpuBefore };
  };
  const n = plan.trackingConnections;
  const all = Array.from({ length: KEY_SPACE }, (_, i) => benchmarkKey(i));
  const hot = all.slice(0, HOT_SET);
  const unwritten = hot.map((key) => `held:${key}`);
  const scenarios: SetScenario[] = [
    { label: 'none', apps: 0, keysRead: [] },
    { label: `${n} applications, each holding ${int(HOT_SET)} keys of the namespace that the run does not write`, apps: n, keysRead: unwritten },
    { label: `${n} applications, each holding ${int(HOT_SET)} of the keys the run writes (1 write in 100 hits one)`, apps: n, keysRead: hot },
    { label: `the same, each reading them again every 500 ms (what a write evicted is tracked again)`, apps: n, keysRead: hot, rereadEveryMs: 500 },
    { label: `${n} applications that each read all ${int(KEY_SPACE)} keys first (worst case)`, apps: n, keysRead: all },
  ];
  const best = new Map<SetScenario, { rps: number; cpuMs: number }>();
  try {
    for (let round = 0; round < plan.setRounds; round++) {
      for (const scenario of roundOrder(scenarios, round)) {
        const run = await withApplications(url, scenario, setRps);
        log(
          `l1 | SET throughput | ${scenario.label} | round ${round + 1}: ${Math.round(run.rps)} requests/s, redis-server CPU ${((run.cpuMs * 1000) / plan.benchmarkRequests).toFixed(2)} µs per SET`,
        );
        const kept = best.get(scenario);
        best.set(scenario, { rps: Math.max(kept?.rps ?? 0, run.rps), cpuMs: Math.min(kept?.cpuMs ?? Infinity, run.cpuMs) });
      }
    }
  } finally {
    server.disconnect();
  }
  return {
    connections: n,
    requests: plan.benchmarkRequests,
    rounds: plan.setRounds,
    rows: scenarios.map((scenario) => ({
      label: scenario.label,
      requestsPerSecond: best.get(scenario)!.rps,
      serverCpuMicrosPerSet: (best.get(scenario)!.cpuMs * 1000) / plan.benchmarkRequests,
    })),
  };
}

/** Runs `measure` while the scenario's applications exist (and read), then closes them. */
async function withApplications<T>(url: string, scenario: SetScenario, measure: () => Promise<T>): Promise<T> {
  const apps: INestApplicationContext[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    for (let i = 0; i < scenario.apps; i++)
      apps.push(await NestFactory.createApplicationContext(CacheModule.forRoot({ namespace: 'key', redis: { url }, l1: {} }), { logger: false }));
    const keys = scenario.keysRead;
    for (const app of apps) {
      const cache = app.get(CacheManager);
      for (let i = 0; i < keys.length; i += 1000) await cache.mget(keys.slice(i, i + 1000));
      if (scenario.rereadEveryMs !== undefined) timers.push(setInterval(() => void cache.mget([...keys]).catch(() => undefined), scenario.rereadEveryMs));
    }
    return await measure();
  } finally {
    for (const timer of timers) clearInterval(timer);
    while (apps.length > 0) await apps.pop()!.close();
  }
}

const int = (value: number): string => value.toLocaleString('en-US');
