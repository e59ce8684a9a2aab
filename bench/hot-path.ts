import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis, type ClusterNode } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { CacheManager, CacheModule, type CacheModuleOptions } from '@datapunk/nestjs-cache';
import { keyRange, sizedValue } from './data.js';
import { realisticDocument } from './realistic-doc.js';
import { runSlices, type Contender, type HotRow, type HotRowResult, type SlicePlan } from './hot-path-slices.js';
import { TTL_MS } from './stacks.js';

/** Issue 21's rows: what each measures is in its workload name; every value is read back and compared before. */
const TAG = 'hot-t1';
const KEYS = keyRange('hot', 1000);
const L1_KEYS = keyRange('hot-l1', 16);
const DOC_KEYS = keyRange('hot-doc', 1000);
const BIG_KEYS = keyRange('hot-100k', 64);
const small = sizedValue(100);
/** The realistic document of the write row: an order-list page of 1.5 KB (above the default threshold of 1,024 B). */
const doc = realisticDocument(1536);
const docJson = JSON.stringify(doc);
const big = realisticDocument(100 * 1024);

const unexpectedMiss = (): never => {
  throw new Error('hot path: getOrSet loader ran: a pre-populated key missed');
};

export interface HotPathTargets {
  url: string;
  /** Seed nodes of a 3-master Cluster: the tagged rows run there too. */
  cluster?: ClusterNode[];
}

/** Runs every row of issue 21 in one alternating-slice run (see runSlices); closes what it opened. */
export async function benchHotPath(targets: HotPathTargets, plan: SlicePlan, log: (line: string) => void): Promise<HotRowResult[]> {
  const closers: Array<() => Promise<unknown>> = [];
  try {
    const rows = await singleNodeRows(targets.url, closers);
    if (targets.cluster !== undefined) rows.push(...(await taggedRows('cluster', { cluster: { nodes: targets.cluster } }, closers)));
    // BENCH_HOT_ROWS=<substring>: only the rows whose workload contains it (to measure one change quickly).
    const only = process.env.BENCH_HOT_ROWS;
    return await runSlices(only ? rows.filter((row) => row.workload.includes(only)) : rows, plan, log);
  } finally {
    for (const close of closers.reverse()) await close();
  }
}

async function boot(options: CacheModuleOptions, closers: Array<() => Promise<unknown>>): Promise<CacheManager> {
  const app: INestApplicationContext = await NestFactory.createApplicationContext(CacheModule.forRoot(options), { logger: false });
  closers.push(() => app.close());
  return app.get(CacheManager);
}

/** get, tagged get, getOrSet and tagged getOrSet of 100 B entries, on one topology (the module's defaults). */
async function taggedRows(
  topology: HotRow['topology'],
  redis: CacheModuleOptions['redis'],
  closers: Array<() => Promise<unknown>>,
): Promise<HotRow[]> {
  const cache = await boot({ namespace: 'hot', redis }, closers);
  const plain = cache.withNamespace('hot-plain');
  const tagged = cache.withNamespace('hot-tagged');
  // The same tagged entries read by a module with `tags.tokenMemo` (its own connection, tracked), against the same baseline.
  const memo = (await boot({ namespace: 'hot', redis, tags: { tokenMemo: true } }, closers)).withNamespace('hot-tagged');
  await pool(KEYS, (key) => plain.set(key, small.value));
  await pool(KEYS, (key) => tagged.set(key, small.value, { tags: [TAG] }));
  for (const c of [plain, tagged, memo]) expectJson(await c.get(KEYS[1]), small.json, `${topology} ${c.namespace}`);
  const get = (c: CacheManager, label: string): Contender => ({ label, op: (i) => c.get(KEYS[i % KEYS.length]) });
  const getOrSet = (c: CacheManager, label: string, tags?: string[]): Contender => ({
    label,
    op: (i) => c.getOrSet(KEYS[i % KEYS.length], unexpectedMiss, tags && { tags }),
  });
  return [1, 64]
    .map((concurrency): HotRow => ({
      workload: `tagged \`get\` ÷ untagged \`get\`, 100 B, ${concurrency} in flight`,
      topology,
      concurrency,
      goal: 0.95,
      measured: get(tagged, 'get, 1 tag'),
      baselines: [get(plain, 'get, untagged')],
    }))
    .concat(
      [1, 64].map((concurrency): HotRow => ({
        workload: `tagged \`getOrSet\` ÷ \`getOrSet\` (hits), 100 B, ${concurrency} in flight`,
        topology,
        concurrency,
        goal: 0.95,
        measured: getOrSet(tagged, 'getOrSet, 1 tag', [TAG]),
        baselines: [getOrSet(plain, 'getOrSet, untagged')],
      })),
      [1, 64].flatMap((concurrency): HotRow[] => [
        {
          workload: `tagged \`get\` with tags.tokenMemo ÷ untagged \`get\`, 100 B, ${concurrency} in flight`,
          topology,
          concurrency,
          goal: 0.95,
          measured: get(memo, 'get, 1 tag, token memo'),
          baselines: [get(plain, 'get, untagged')],
        },
        {
          workload: `tagged \`getOrSet\` with tags.tokenMemo ÷ \`getOrSet\` (hits), 100 B, ${concurrency} in flight`,
          topology,
          concurrency,
          goal: 0.95,
          measured: getOrSet(memo, 'getOrSet, 1 tag, token memo', [TAG]),
          baselines: [getOrSet(plain, 'getOrSet, untagged')],
        },
      ]),
    );
}

async function singleNodeRows(url: string, closers: Array<() => Promise<unknown>>): Promise<HotRow[]> {
  const rows = await taggedRows('single node', { url }, closers);
  const cache = await boot({ namespace: 'hot', redis: { url } }, closers);
  const raw = await rawClient(url, false, closers);
  const rawAp = await rawClient(url, true, closers);
  const rawSet = (client: Redis, label: string): Contender => ({
    label,
    op: (i) => client.set(`raw:${DOC_KEYS[i % DOC_KEYS.length]}`, JSON.stringify(doc), 'PX', TTL_MS),
  });
  rows.push({
    workload: '`set` of a realistic 1.5 KB JSON document, default options ÷ raw ioredis `SET`, 64 in flight',
    topology: 'single node',
    concurrency: 64,
    goal: 0.9,
    measured: { label: 'set, defaults', op: (i) => cache.set(DOC_KEYS[i % DOC_KEYS.length], doc) },
    baselines: [rawSet(raw, 'raw ioredis SET'), rawSet(rawAp, 'raw ioredis + autoPipelining SET')],
  });
  await cache.set(DOC_KEYS[0], doc);
  expectJson(await cache.get(DOC_KEYS[0]), docJson, 'set defaults');

  const plain = cache.withNamespace('hot-get');
  await pool(KEYS, (key) => plain.set(key, small.value));
  await pool(KEYS, (key) => raw.set(`raw:${key}`, small.json, 'PX', TTL_MS));
  const rawGet = (client: Redis, label: string): Contender => ({
    label,
    op: async (i) => JSON.parse((await client.get(`raw:${KEYS[i % KEYS.length]}`))!),
  });
  expectJson(await plain.get(KEYS[2]), small.json, 'get');
  rows.push({
    workload: '`get` ÷ raw ioredis `GET` + `JSON.parse`, 100 B, 1 in flight',
    topology: 'single node',
    concurrency: 1,
    goal: 0.95,
    measured: { label: 'get', op: (i) => plain.get(KEYS[i % KEYS.length]) },
    baselines: [rawGet(raw, 'raw ioredis GET + JSON.parse'), rawGet(rawAp, 'raw ioredis + autoPipelining GET + JSON.parse')],
  });

  // The serializer table's setting: compression off, so the row shows the serializers alone.
  const json = cache.withNamespace('hot-json', { serializer: 'json', compression: false });
  const msgpack = cache.withNamespace('hot-msgpack', { serializer: 'msgpack', compression: false });
  const setBig = (c: CacheManager, label: string): Contender => ({ label, op: (i) => c.set(BIG_KEYS[i % BIG_KEYS.length], big) });
  for (const c of [json, msgpack]) {
    await c.set(BIG_KEYS[0], big);
    expectJson(await c.get(BIG_KEYS[0]), JSON.stringify(big), c.namespace);
  }
  rows.push({
    workload: 'msgpack `set` ÷ JSON `set`, realistic 100 KB, compression off, 16 in flight',
    topology: 'single node',
    concurrency: 16,
    goal: 1.2,
    measured: setBig(msgpack, 'set, msgpack'),
    baselines: [setBig(json, 'set, json')],
  });

  rows.push(await l1Row(url, closers));
  return rows;
}

/** An l1 hit against the floor of any async in-process lookup: `await lru.get(key)`, in the same loop. */
async function l1Row(url: string, closers: Array<() => Promise<unknown>>): Promise<HotRow> {
  const withL1 = await boot({ namespace: 'hot-l1', redis: { url }, l1: {} }, closers);
  const lru = new LRUCache<string, object>({ max: 10_000 });
  for (const key of L1_KEYS) {
    await withL1.set(key, small.value);
    lru.set(key, small.value as object);
  }
  await new Promise((resolve) => setTimeout(resolve, 100)); // the writes' own invalidations come back first
  for (const key of L1_KEYS) expectJson(await withL1.get(key), small.json, 'l1');
  return {
    workload: 'l1 hit (`get`, l1 on) ÷ `await lruCache.get(key)`, 100 B, 1 in flight',
    topology: 'single node',
    concurrency: 1,
    goal: 0.7,
    measured: { label: 'get, l1 hit', op: (i) => withL1.get(L1_KEYS[i % L1_KEYS.length]) },
    baselines: [{ label: 'await lru.get(key)', op: async (i) => lru.get(L1_KEYS[i % L1_KEYS.length]) }],
  };
}

async function rawClient(url: string, autoPipelining: boolean, closers: Array<() => Promise<unknown>>): Promise<Redis> {
  const client = new Redis(url, { enableAutoPipelining: autoPipelining, lazyConnect: true });
  await client.connect();
  closers.push(() => client.quit());
  return client;
}

/** Writes `keys` 16 at a time: a thousand at once can outlast the default operationTimeout (250 ms) on a busy box. */
async function pool(keys: readonly string[], write: (key: string) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < keys.length) await write(keys[next++]);
    }),
  );
}

/** A hit must return the stored value: otherwise the run would time misses. */
function expectJson(actual: unknown, json: string, what: string): void {
  if (JSON.stringify(actual) !== json) throw new Error(`hot path: ${what} did not read back the stored value`);
}
