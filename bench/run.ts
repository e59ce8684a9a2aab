import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { RedisServer } from '../test/support/redis-server.js';
import { ALGORITHMS, documentBytes, loadCompressors, measureCodecs, type CodecPlan, type CodecRow } from './codec.js';
import {
  COMPRESSION_SIZES,
  compressionGroups,
  document,
  EncodingApp,
  SERIALIZER_SIZES,
  serializerGroups,
  type Document,
  type EncodingPlan,
} from './encoding.js';
import { bestOfRounds, type PhaseLimits } from './measure.js';
import { startCpuMeter } from './neighbours.js';
import { pinCpus } from './pin.js';
import { benchTags, type TagsPlan } from './tags.js';
import { benchL1, type L1Plan } from './l1.js';
import { l1Section } from './l1-report.js';
import { benchFootprint, footprintSection, type FootprintPlan } from './footprint.js';
import { benchTls, tlsSection, type TlsPlan } from './tls.js';
import { benchWarming, warmingSection, type WarmingPlan } from './warming.js';
import { runHotPath } from './hot-path-main.js';
import { codecSection, compressionSection, markdown, serializerSection, tagsSection, transferEstimate, type Row } from './report.js';
import { cacheManagerKeyv, nestjsCache, nestjsCacheCompat, rawIoredis, type Stack } from './stacks.js';
import { SET_1KB, workloads, type Workload } from './workloads.js';

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
/**
 * The sections to run, comma-separated: main (the stacks compared per workload, which BENCH_STACKS/BENCH_WORKLOADS filter), codec
 * (pure compression codecs), compression and serializer (through CacheManager), tags (invalidateTags, tagged reads and writes), footprint
 * (the footprint sampler's Redis time and accuracy against a full SCAN), tls (raw ioredis and the package over rediss:// and plain),
 * warming (refresh-ahead on a hot key across 4 instances), hot (issue 21's ratios in alternating slices, also on a 3-master Cluster). Default: all, or only main when
 * BENCH_STACKS or BENCH_WORKLOADS is set. Running fewer than all leaves results.md alone.
 */
const SECTIONS = ['main', 'l1', 'codec', 'compression', 'serializer', 'tags', 'footprint', 'tls', 'warming', 'hot'] as const;
const selected = new Set(
  (process.env.BENCH_SECTIONS ?? (STACK_FILTER || WORKLOAD_FILTER ? 'main' : SECTIONS.join(',')))
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== ''),
);
for (const name of selected) {
  if (!(SECTIONS as readonly string[]).includes(name))
    throw new Error(`BENCH_SECTIONS: unknown section "${name}" (known: ${SECTIONS.join(', ')})`);
}
/**
 * The encoding sections (through CacheManager) have 47 workload×setting pairs: shorter phases than the main
 * table's, and one more round, keep them to ~1.5 min with the same warm-up, best-of-rounds and alternation.
 */
const ENCODING: EncodingPlan = {
  rounds: Number(process.env.BENCH_ENCODING_ROUNDS ?? ROUNDS + 1),
  warmup: { maxOps: 2_000, maxMs: 100 },
  measureMs: Number(process.env.BENCH_ENCODING_MS ?? 300),
};
/** Codec calls take 0.01-60 ms and no Redis: more, shorter rounds shrug off a busy neighbour better, for ~15 s in all. */
const CODEC: CodecPlan = { rounds: Math.max(ROUNDS, 5), warmupMs: 10, measureMs: Number(process.env.BENCH_CODEC_MS ?? 80) };

/** The warming section (~70 s): the issue's hot key: 4 instances, ≥ 200 reads/s, TTL 2 s, a 100 ms loader, 10 TTLs per variant. */
const WARMING: WarmingPlan = {
  instances: 4,
  ratePerSec: Number(process.env.BENCH_WARMING_RATE ?? 250),
  ttlMs: 2000,
  loaderMs: 100,
  ttls: Number(process.env.BENCH_WARMING_TTLS ?? 10),
  beta: 1,
};

/**
 * The tags section (~30 s here): 100,000 entries carry one tag; 2,000 invalidateTags calls per tag and round (1 in flight,
 * about 0.3 ms each plus the untimed token restore), reads and writes in the encoding sections' short phases.
 */
const TAGS: TagsPlan = {
  rounds: Number(process.env.BENCH_TAGS_ROUNDS ?? ROUNDS + 2),
  warmup: { maxOps: 2_000, maxMs: 100 },
  measureMs: Number(process.env.BENCH_TAGS_MS ?? 300),
  entries: 100_000,
  populateConcurrency: 256,
  invalidations: 2_000,
  invalidationWarmup: 200,
  sample: 1_000,
};

/**
 * The footprint section (~15 s): 100,000 keys in a database of its own, namespaces holding 1 %, 10 % and 30 % of them;
 * each run boots an application, whose sampler runs at boot, and is compared with a full SCAN.
 */
const FOOTPRINT: FootprintPlan = {
  keys: 100_000,
  shares: [
    ['bench-fp-10', 0.1],
    ['bench-fp-30', 0.3],
    ['bench-fp-1', 0.01],
  ],
  runs: Number(process.env.BENCH_FOOTPRINT_RUNS ?? 20),
  db: 7,
};

/** The TLS section (~40 s): 4 of the main workloads, raw ioredis and the package, each plain and over TLS, in the same rounds. */
const TLS: TlsPlan = { rounds: ROUNDS, warmup: WARMUP, measureMs: Number(process.env.BENCH_TLS_MS ?? 500) };

/** The l1 section (~4 min): hot gets and clone in short phases, 3,000 paced writes, 5 scenarios × (rounds + 2) redis-benchmark runs. */
const L1: L1Plan = {
  rounds: Number(process.env.BENCH_L1_ROUNDS ?? ROUNDS),
  warmup: { maxOps: 20_000, maxMs: 200 },
  measureMs: Number(process.env.BENCH_L1_MS ?? 500),
  propagationWrites: 3_000,
  writesPerSecond: 1_000,
  trackingConnections: 20,
  benchmarkRequests: 200_000,
  setRounds: Number(process.env.BENCH_L1_SET_ROUNDS ?? ROUNDS + 2),
};

const loadAtStart = loadavg()[0];
const server = await RedisServer.start();
// Ctrl-C must not leave our redis-server behind; it is stopped by its own PID.
process.once('SIGINT', () => void server.dispose().finally(() => process.exit(130)));
const pinning = pinCpus(server.pid);

const stacks: Stack[] = [];
let encodingApp: EncodingApp | undefined;
try {
  const redisVersion = await readRedisVersion(server.url);
  let rows: Row[] | undefined;
  let mainCpu: string | undefined;
  if (selected.has('main')) {
    const meter = startCpuMeter(server.pid);
    const factories = [
      () => rawIoredis(server.url, false),
      () => rawIoredis(server.url, true),
      () => nestjsCache(server.url),
      () => nestjsCacheCompat(server.url),
      () => cacheManagerKeyv(server.url),
      // The set 1 KB value is compressed by default (threshold 1024): what a write-heavy application of small values gets back by raising the threshold or turning compression off.
      () =>
        nestjsCache(server.url, {
          label: 'compression threshold 4096',
          namespace: 'bench-t4k',
          compression: { threshold: 4096 },
          only: [SET_1KB],
        }),
      () => nestjsCache(server.url, { label: 'compression: false', namespace: 'bench-nocmp', compression: false, only: [SET_1KB] }),
    ];
    for (const create of factories) {
      const stack = await create();
      if (STACK_FILTER && !stack.name.includes(STACK_FILTER)) await stack.close();
      else stacks.push(stack);
    }
    rows = [];
    for (const workload of workloads.filter((w) => !WORKLOAD_FILTER || w.name.includes(WORKLOAD_FILTER)))
      rows.push(...(await benchWorkload(workload)));
    // The main table's connections stay idle from here: closed so they cannot disturb the next sections.
    for (const stack of stacks.splice(0)) await stack.close();
    mainCpu = meter?.();
  }

  const docs = new Map<string, Document>(
    [...COMPRESSION_SIZES, ...SERIALIZER_SIZES].map(({ label, bytes }) => [label, document(label, bytes)] as const),
  );
  const compressors = await loadCompressors();
  const sections: string[][] = [];

  let codecRows: CodecRow[] | undefined;
  if (selected.has('codec')) {
    const meter = startCpuMeter(server.pid);
    const cases = COMPRESSION_SIZES.flatMap(({ label, bytes }) => {
      const input = documentBytes(docs.get(label)!.value);
      const name = `${label} (${bytes.toLocaleString('en-US')} B)`;
      return ALGORITHMS.map((algorithm) => ({ document: name, input, algorithm, compressor: compressors.get(algorithm) }));
    });
    codecRows = measureCodecs(cases, CODEC);
    for (const { document, algorithm, result } of codecRows) {
      process.stderr.write(
        `codec | ${document} | ${algorithm}: ${result ? `${result.compressMBps.toFixed(0)} / ${result.decompressMBps.toFixed(0)} MB/s` : 'n/a'}\n`,
      );
    }
    sections.push(
      codecSection(
        codecRows,
        `the package's own compressors (compressorFor(algorithm) from dist/serialization/compression/compressors.js, as configured: deflate and gzip level 6, brotli quality 4, lz4-napi block) ` +
          `on JSON.stringify(realisticDocument(bytes)) as UTF-8 (bench/realistic-doc.ts: an e-commerce order list); compressed output checked to decompress back to the input; ` +
          `best of ${CODEC.rounds} rounds by throughput, each round measuring every row (a ${CODEC.warmupMs} ms warm-up, a full GC, then calls for ≥ ${CODEC.measureMs} ms and ≥ 3 calls) in alternating order` +
          `${meter ? `; ${meter()}` : ''}.`,
      ),
    );
  }

  if (selected.has('compression') || selected.has('serializer')) {
    encodingApp = await EncodingApp.start(server.url);
    const compression = selected.has('compression') ? compressionGroups(encodingApp, docs, compressors) : [];
    const serializer = selected.has('serializer') ? serializerGroups(encodingApp, docs) : [];
    const meter = startCpuMeter(server.pid);
    const results = await encodingApp.benchGroups([...compression, ...serializer], ENCODING);
    const method =
      `one Nest application (CacheModule.forRoot with the defaults), one namespace per setting (withNamespace(ns, { serializer, compression })), all on its one connection; ` +
      `per workload and setting, a warm-up (≤ ${ENCODING.warmup.maxMs} ms / ${ENCODING.warmup.maxOps} ops), then a measured phase (≤ ${ENCODING.measureMs} ms), each after a full GC; ` +
      `best of ${ENCODING.rounds} rounds by ops/s, setting order alternating, each round going through every workload of ${selected.has('compression') && selected.has('serializer') ? 'this and the other CacheManager table' : 'this table'} before the next round; ` +
      `get-hit cycles through keys the setting wrote itself (64 keys, 16 at 1 MB, 256 at 1 KB), set overwrites the same keys; ` +
      `every setting's first key is read back and compared with the document before measuring` +
      `${meter ? `; ${meter()}` : ''}.`;
    if (compression.length > 0) {
      const compressionRows = results.slice(0, compression.length).flat();
      sections.push(compressionSection(compressionRows, method));
      if (codecRows !== undefined) {
        const getHit100k = compressionRows.filter((row) => row.workload === 'get-hit 100 KB, 1 in flight');
        sections.push(transferEstimate('100 KB', getHit100k, codecRows));
      }
    }
    if (serializer.length > 0) sections.push(serializerSection(results.slice(compression.length).flat(), method));
  }

  if (selected.has('tags')) {
    await encodingApp?.close(); // idle from here: closed so its connection cannot disturb the tags section
    encodingApp = undefined;
    const meter = startCpuMeter(server.pid);
    const startedAt = performance.now();
    const result = await benchTags(server.url, TAGS, (line) => process.stderr.write(`${line}\n`));
    const seconds = (performance.now() - startedAt) / 1000;
    process.stderr.write(`tags | section ran in ${seconds.toFixed(1)} s\n`);
    sections.push(
      tagsSection(
        result,
        `one Nest application (CacheModule.forRoot with the defaults) on the same redis-server, every entry ~100 B of JSON (under the compression threshold) with ttl '10m'; ` +
          `at 64 in flight, one phase per variant (a warm-up ≤ ${TAGS.warmup.maxMs} ms / ${TAGS.warmup.maxOps} ops, then ≤ ${TAGS.measureMs} ms), best of ${TAGS.rounds} rounds by ops/s; ` +
          `at 1 in flight, the variants compared run interleaved in one phase (one call of each in turn, so the box's state between phases cannot skew their ratio; ` +
          `≤ ${TAGS.measureMs} ms per variant, invalidateTags ${TAGS.invalidations.toLocaleString('en-US')} calls per tag after ${TAGS.invalidationWarmup} unmeasured), ` +
          `best of ${TAGS.rounds} rounds by calls per second of timed work, the round's rows kept together; every phase after a full GC, variant order alternating between rounds, ` +
          `each round going through every group before the next; ` +
          `before each invalidateTags call, untimed, the token its tag's entries were stamped with is put back (raw SET XX KEEPTTL), so every timed call invalidates live entries; ` +
          `latency = performance.now() around each awaited call; the section ran in ${seconds.toFixed(0)} s` +
          `${meter ? `; ${meter()}` : ''}.`,
      ),
    );
  }
  if (selected.has('warming')) {
    await encodingApp?.close(); // idle from here
    encodingApp = undefined;
    const meter = startCpuMeter(server.pid);
    const startedAt = performance.now();
    const result = await benchWarming(server.url, WARMING, (line) => process.stderr.write(`${line}\n`));
    const seconds = (performance.now() - startedAt) / 1000;
    sections.push(
      warmingSection(
        result,
        `${WARMING.instances} Nest application contexts (CacheModule.forRoot, lock: true), each with its own connection to the same redis-server, read one key with getOrSet ` +
          `at ${WARMING.ratePerSec} requests/s in all (open loop: each instance starts a request every ${((1000 * WARMING.instances) / WARMING.ratePerSec).toFixed(0)} ms whatever earlier ones do), ` +
          `TTL ${WARMING.ttlMs} ms, a loader of ${WARMING.loaderMs} ms returning a new generation number; one TTL of warm-up, then ${WARMING.ttls} TTLs measured per variant; ` +
          `latency = performance.now() from the call to its answer; "loads a caller waited for" = cache_loads_total{trigger="miss"} during the window; "generation" = a loaded value first served in the window ` +
          `(a refresh rejected by its compare-and-set is never served, so duplicates show as loads per generation above 1); the steady state is the same load on a key that never expires; ` +
          `the section ran in ${seconds.toFixed(0)} s${meter ? `; ${meter()}` : ''}.`,
      ),
    );
  }


  if (selected.has('l1')) {
    await encodingApp?.close();
    encodingApp = undefined;
    const meter = startCpuMeter(server.pid);
    const result = await benchL1(server.url, L1, (line) => process.stderr.write(`${line}\n`));
    sections.push(
      l1Section(
        result,
        `Nest applications (CacheModule.forRoot({ namespace, redis, l1: {} }) and namespaces with l1 off and with clone) on the same redis-server; hot get = 16 keys of ~100 B JSON read in turn, ` +
          `every stack's values read back and compared first; per contender a warm-up (≤ ${L1.warmup.maxMs} ms / ${L1.warmup.maxOps} ops), then ≤ ${L1.measureMs} ms, each after a full GC, ` +
          `best of ${L1.rounds} rounds by ops/s, contender order alternating; propagation: ${L1.propagationWrites.toLocaleString('en-US')} sets paced at ${L1.writesPerSecond.toLocaleString('en-US')}/s, each to a key of its own, ` +
          `and a second process (bench/l1-listener.ts) timestamping when its tier evicts each key (performance.timeOrigin + now on both sides)` +
          `${meter ? `; ${meter()}` : ''}.`,
      ),
    );
  }

  if (selected.has('footprint')) {
    await encodingApp?.close();
    encodingApp = undefined;
    const meter = startCpuMeter(server.pid);
    const startedAt = performance.now();
    const result = await benchFootprint(server.url, FOOTPRINT, (line) => process.stderr.write(`${line}\n`));
    const seconds = (performance.now() - startedAt) / 1000;
    sections.push(
      footprintSection(
        result,
        `${FOOTPRINT.keys.toLocaleString('en-US')} keys (50 to 650 B strings, TTL 1 h) loaded with pipelined SETs into database ${FOOTPRINT.db} of the same redis-server, ` +
          `owned by namespaces ${FOOTPRINT.shares.map(([namespace, share]) => `${namespace} (${share * 100} %)`).join(', ')} and another application (the rest), interleaved; ` +
          `each run boots a Nest application context with CacheModule.forRoot({ namespace, redis, namespaces, footprint: {} }) (the default interval, 1 min), whose sampler runs once at boot, ` +
          `and reads stats().footprint of each namespace; Redis command time = the usec of INFO commandstats after CONFIG RESETSTAT, less the connection handshake (INFO, PING, CLIENT SETINFO); ` +
          `the truth is a full SCAN (COUNT 1000) with MEMORY USAGE of every key of those namespaces; the section ran in ${seconds.toFixed(0)} s` +
          `${meter ? `; ${meter()}` : ''}.`,
      ),
    );
  }

  if (selected.has('tls')) {
    await encodingApp?.close();
    encodingApp = undefined;
    const meter = startCpuMeter(server.pid);
    const startedAt = performance.now();
    const rows = await benchTls(server.url, pinning.startsWith('redis-server pinned'), TLS, (line) => process.stderr.write(`${line}\n`));
    const seconds = (performance.now() - startedAt) / 1000;
    sections.push(
      tlsSection(
        rows,
        `the main table's workloads and values; plain = the main redis-server, TLS = a second redis-server on loopback serving TLS only ` +
          `(\`--tls-port\`, TLS 1.2/1.3 as negotiated by Node and Redis, RSA 2048 server certificate from a CA made by openssl for the run, no client certificates); ` +
          `raw ioredis (JSON, no auto-pipelining) and CacheManager with the defaults but operationTimeout 5 s, each plain and over TLS, measured in the same rounds; per workload a warm-up ` +
          `(≤ ${TLS.warmup.maxMs} ms / ${TLS.warmup.maxOps} ops), then ≤ ${TLS.measureMs} ms; best of ${TLS.rounds} rounds by ops/s, order alternating; ` +
          `the TLS redis-server pinned like the plain one; the section ran in ${seconds.toFixed(0)} s${meter ? `; ${meter()}` : ''}.`,
      ),
    );
  }

  if (selected.has('hot')) {
    await encodingApp?.close();
    encodingApp = undefined;
    sections.push(await runHotPath(server, (line) => process.stderr.write(`${line}\n`)));
  }

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
        'msgpackr',
        'lz4-napi',
      ]),
      method:
        `per workload and stack, a warm-up (≤ ${WARMUP.maxMs} ms / ${WARMUP.maxOps} ops), then a measured phase (≤ ${MEASURE_MS} ms or the workload's op cap); ` +
        `best of ${ROUNDS} rounds by ops/s, stack order alternating; latency = performance.now() around each awaited call; ${pinning}` +
        `${mainCpu ? `; ${mainCpu}` : ''}.`,
    },
    RESULTS,
    sections,
  );
  process.stdout.write(`\n${report}`);
  if (!STACK_FILTER && !WORKLOAD_FILTER && SECTIONS.every((name) => selected.has(name))) {
    writeFileSync(RESULTS, report);
    process.stderr.write(`\nwritten to bench/results.md\n`);
  }
} finally {
  for (const stack of stacks) await stack.close();
  await encodingApp?.close();
  await server.dispose();
}

async function benchWorkload(workload: Workload): Promise<Row[]> {
  const active = stacks.filter((stack) => stack.only === undefined || stack.only.includes(workload.name));
  for (const stack of active) await workload.prepare(stack);
  const best = await bestOfRounds(
    active,
    (stack, index) => workload.op(stack, index),
    { rounds: ROUNDS, concurrency: workload.concurrency, warmup: WARMUP, measure: { maxOps: workload.maxOps, maxMs: MEASURE_MS } },
    (stack, result, round) => {
      if (stack.swallowedErrors() > 0)
        throw new Error(`${stack.name} swallowed ${stack.swallowedErrors()} store errors during "${workload.name}"`);
      process.stderr.write(`${workload.name} | ${stack.name} | round ${round + 1}: ${Math.round(result.opsPerSec)} ops/s\n`);
    },
  );
  // NaN when a filtered run has no raw row: the report prints n/a rather than a ratio to nothing.
  const raws = active.filter((stack) => stack.isRaw).map((stack) => best.get(stack)!.opsPerSec);
  const floor = raws.length > 0 ? Math.max(...raws) : Number.NaN;
  return active.map((stack) => {
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
