// `npm run soak -- [--seconds 60] [--instances 3] [--cluster] [--must-go-stale] [--rate 200] [--out file.md]`
// K app instances and a writer in their own processes, faults on a schedule, every read checked against the bounds;
// writes bench/soak-results.md and an SVG chart, exits non-zero when a goal is not met (with --must-go-stale: when
// the checker did NOT count stale reads).
import { writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { RedisCluster } from '../../test/support/redis-cluster.js';
import { RedisServer } from '../../test/support/redis-server.js';
import { TcpProxy } from '../../test/support/tcp-proxy.js';
import { Checker } from './checker.js';
import { Children } from './children.js';
import { faultsFor, type FaultTarget } from './faults.js';
import { evaluate, memoryGrowth, totals } from './goals.js';
import { epochNow, range, type SoakTiming } from './keyspace.js';
import type { CacheTarget, InstanceConfig, InstanceMessage, WriterConfig, WriterMessage } from './protocol.js';
import { faultTable, goalTable, latencyRows, markdown, writerLine } from './report.js';
import { chartSvg } from './svg-chart.js';
import { Windows } from './windows.js';

// Compiled to dist-soak/bench/soak/run.js: the package root is three folders up.
const ROOT = new URL('../../../', import.meta.url);
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    instances: { type: 'string', default: '3' },
    rate: { type: 'string', default: '200' },
    cluster: { type: 'boolean', default: false },
    'must-go-stale': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const SECONDS = Number(args.seconds);
const INSTANCES = Number(args.instances);
const RATE = Number(args.rate);
const MUST_GO_STALE = args['must-go-stale'];
if (!(SECONDS >= 20 && SECONDS <= 7200) || !(INSTANCES >= 1 && INSTANCES <= 16) || !(RATE >= 1 && RATE <= 5000))
  throw new Error('--seconds must be 20..7200, --instances 1..16, --rate 1..5000');
const OUT = args.out ?? `bench/soak-results${MUST_GO_STALE ? '-must-go-stale' : ''}${args.cluster ? '-cluster' : ''}.md`;

/** The normal configuration is held to l1's bound; the must-go-stale one keeps l1 entries the whole (long) TTL. */
const TIMING: SoakTiming = MUST_GO_STALE
  ? { ttlMs: 20_000, swrMs: 2000, l1MaxStalenessMs: 20_000, invalidationBoundMs: 1000 }
  : { ttlMs: 4000, swrMs: 2000, l1MaxStalenessMs: 1000, invalidationBoundMs: 1000 };
/** How long a lasting fault (a stop, a partition, memory pressure, added latency) lasts. */
const ACTIVE_MS = 2000;

const wallStart = performance.now();
const startedAt = new Date();
const cleanups: Array<() => Promise<void> | void> = [];
const children = new Children(join(tmpdir(), `soak-${process.pid}.log`));
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch((error) => console.error('cleanup:', error));
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    console.error(`soak: ${signal}, stopping children and servers`);
    children.killNow();
    void cleanUp().finally(() => process.exit(130));
  });
process.once('exit', () => children.killNow());

async function main(): Promise<number> {
  const source = await RedisServer.start();
  cleanups.push(() => source.dispose());
  let target: CacheTarget;
  let faultTarget: FaultTarget;
  let writerTarget: CacheTarget;
  if (args.cluster) {
    const cluster = await RedisCluster.start();
    cleanups.push(() => cluster.stop());
    target = writerTarget = { cluster: cluster.nodes };
    faultTarget = { kind: 'cluster', cluster };
  } else {
    const server = await RedisServer.start(['--enable-debug-command', 'local']);
    cleanups.push(() => server.dispose());
    const proxy = await TcpProxy.start(server.port);
    cleanups.push(() => proxy.close());
    // Instances reach Redis through the proxy (partition, latency); the writer directly, as a service elsewhere would.
    target = { url: proxy.url };
    writerTarget = { url: server.url };
    faultTarget = { kind: 'single', server, proxy };
  }
  cleanups.push(() => children.stopAll(5000));

  const sourceUrl = source.url;
  const script = (name: string): string => new URL(`./${name}.js`, import.meta.url).pathname;
  // Made once every child is ready (the run's start is its time zero); messages before that carry no reads or changes.
  const judge: { checker?: Checker } = {};
  let writerDone: { unreplayed: number[]; dropped: number } | undefined;
  const memory: Array<Array<[number, number, number]>> = range(INSTANCES).map(() => []);
  const errorSamples: string[] = [];
  const ready = new Set<string>();
  const done = new Set<string>();

  const writer = children.start<WriterMessage>(
    script('writer'),
    { target: writerTarget, sourceUrl, rate: 10 } satisfies WriterConfig,
    (message) => {
      if (message.type === 'ready') ready.add('writer');
      else if (message.type === 'done') {
        writerDone = message;
        done.add('writer');
      } else if (message.type === 'change')
        judge.checker?.onChange(message); // changes start after the go: the checker exists
      else judge.checker?.onReplayed(message);
    },
  );
  await waitFor(() => ready.has('writer'), 30_000, 'the writer to start');
  const instances = range(INSTANCES).map((id) =>
    children.start<InstanceMessage>(
      script('instance'),
      { id, target, sourceUrl, timing: TIMING, mustGoStale: MUST_GO_STALE, rate: RATE } satisfies InstanceConfig,
      (message) => {
        if (message.type === 'ready') ready.add(`i${message.instance}`);
        else if (message.type === 'done') done.add(`i${message.instance}`);
        else {
          judge.checker?.onReads(message.instance, message.reads);
          judge.checker?.onLoads(message.loads);
          memory[message.instance].push(...message.memory);
          if (errorSamples.length < 5) errorSamples.push(...message.errorSamples);
        }
      },
    ),
  );
  await waitFor(() => ready.size === INSTANCES + 1, 60_000, 'the instances to boot');

  const runStart = epochNow();
  const stopAt = runStart + SECONDS * 1000;
  const windows = new Windows(runStart);
  const checker = (judge.checker = new Checker(TIMING, windows, runStart));
  for (const child of [writer, ...instances]) child.send({ type: 'start', stopAt });
  const drainer = setInterval(() => checker.drain(epochNow()), 1000);

  const faults = faultsFor(faultTarget, { tracking: !MUST_GO_STALE });
  const warmupMs = Math.min(10_000, SECONDS * 150);
  const slotMs = Math.floor(Math.min(12_000, Math.max(5000, (SECONDS * 1000 - warmupMs) / faults.length)));
  console.info(
    `soak: ${INSTANCES} instances, ${SECONDS} s, ${faults.length} faults cycling every ${(slotMs / 1000).toFixed(1)} s after ${warmupMs / 1000} s of warm-up; logs in ${children.logFile}`,
  );
  for (let i = 0, at = runStart + warmupMs; at + slotMs <= stopAt; i++, at += slotMs) {
    await sleep(Math.max(0, at - epochNow()));
    const fault = faults[i % faults.length];
    const window = windows.open(fault.name, epochNow());
    try {
      await fault.run(ACTIVE_MS);
    } catch (error) {
      window.failed = (error as Error).message.slice(0, 200);
      console.error(`soak: fault "${fault.name}" failed: ${window.failed}`);
    }
    window.end = epochNow();
    console.info(`soak: +${((window.start - runStart) / 1000).toFixed(1)} s ${fault.name} (${Math.round(window.end - window.start)} ms)`);
    at = Math.max(at, window.end - slotMs + 3000); // a fault that overran still gets 3 s of recovery
  }
  await sleep(Math.max(0, stopAt - epochNow()));
  await waitFor(() => done.size === INSTANCES + 1, 15_000, 'the children to finish').catch((error) =>
    console.error(`soak: ${error.message}`),
  );
  clearInterval(drainer);
  checker.finish(writerDone?.unreplayed ?? [], writerDone?.dropped ?? 0);
  if (!writerDone) checker.neverApplied += 1; // unknown: the writer never said what it left pending

  // Memory is compared from a third into the run (or the warm-up's end if later): V8 sizes its heap in the first tens of
  // seconds, which is start-up, not growth.
  const growth = memoryGrowth(memory, Math.max(runStart + warmupMs, runStart + (SECONDS * 1000) / 3), stopAt);
  const goals = evaluate(checker, windows, growth, INSTANCES);
  const chartFile = basename(OUT).replace(/\.md$/, '.svg');
  const svg = chartSvg({
    runMs: SECONDS * 1000,
    latency: latencyRows(checker),
    memory: memory.map((rows) => rows.map(([t, rss, heap]) => [(t - runStart) / 1000, rss / 2 ** 20, heap / 2 ** 20])),
    faults: windows.list
      .slice(1)
      .map((w) => ({ name: w.name, start: (w.start - runStart) / 1000, end: ((w.end ?? w.start) - runStart) / 1000 })),
  });
  const command = `npm run soak -- ${process.argv.slice(2).join(' ')}`.trim();
  const facts = {
    command,
    topology: args.cluster ? 'a 3-master Redis Cluster (3 replicas)' : 'one redis-server behind a TCP proxy',
    instances: INSTANCES,
    seconds: SECONDS,
    rate: RATE,
    mustGoStale: MUST_GO_STALE,
    timing: TIMING,
    startedAt,
    wallSeconds: (performance.now() - wallStart) / 1000,
    load: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
  writeFileSync(new URL(OUT, ROOT), markdown(facts, checker, windows, goals, growth, chartFile));
  writeFileSync(new URL(join(OUT, '..', chartFile), ROOT), svg);

  console.info(`\n${faultTable(checker, windows, INSTANCES)}\n\nwriter: ${writerLine(checker)}\n\n${goalTable(goals)}\n`);
  if (errorSamples.length > 0) console.info(`first caller errors:\n${errorSamples.join('\n')}`);
  const stale = totals(checker).staleSamples;
  if (stale.length > 0) console.info(`first stale reads:\n${stale.join('\n')}`);
  console.info(`soak: wrote ${OUT} and ${chartFile}`);
  const all = totals(checker);
  if (MUST_GO_STALE) {
    const counted = all.pastBound + all.pastTtl;
    console.info(
      `soak --must-go-stale: the checker counted ${counted} reads past the bound (${counted > 0 ? 'not vacuous' : 'VACUOUS: it must count some'})`,
    );
    return counted > 0 ? 0 : 1;
  }
  const failed = goals.filter((goal) => !goal.met);
  console.info(
    failed.length === 0 ? 'soak: every goal met' : `soak: ${failed.length} goal(s) not met: ${failed.map((g) => g.goal).join('; ')}`,
  );
  return failed.length === 0 ? 0 : 1;
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  console.error('soak failed:', error);
} finally {
  await cleanUp();
}
process.exit(exitCode);
