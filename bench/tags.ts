import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { CacheManager, CacheModule, type Ttl } from '@datapunk/nestjs-cache';
import { keyRange, sizedValue } from './data.js';
import { collectGarbage, keepBest, measurePhase, roundOrder, runInterleaved, type PhaseLimits, type PhaseResult } from './measure.js';

const NAMESPACE = 'benchtags';
/** Every entry of the section lives this long: none expires during a run. */
const TTL: Ttl = '10m';
/** The package's tag token key (`<namespace>:__tag__:<tag>`, lib/invalidation/tags/tag-tokens.ts); checked before use. */
const tokenKey = (tag: string): string => `${NAMESPACE}:__tag__:${tag}`;

/** One value for every entry of the section: ~100 B of JSON, under the compression threshold. */
const small = sizedValue(100);

/** The big tag, carried by `plan.entries` entries, and the tag of one entry. */
const BIG = 'big';
const ONE = 'one';
/** Tags of the read workloads, per declared-tag count (each a tag of its own). */
const READ_TAGS: ReadonlyArray<readonly string[]> = [[], ['r1'], ['r4a', 'r4b', 'r4c', 'r4d']];
const WRITE_TAGS: ReadonlyArray<readonly string[]> = [[], ['w1']];
/** Keys each read/write variant cycles through (64 in flight touch 64 different keys: no single-flight sharing). */
const KEYS_PER_VARIANT = 1000;

export interface TagsPlan {
  rounds: number;
  /** Reads and writes: a warm-up, then a measured phase of `measureMs`, per variant and round. */
  warmup: PhaseLimits;
  measureMs: number;
  /** How many entries carry the big tag. */
  entries: number;
  /** Entries written at once while populating. */
  populateConcurrency: number;
  /** invalidateTags calls measured per tag and round (1 in flight), after `invalidationWarmup` unmeasured ones. */
  invalidations: number;
  invalidationWarmup: number;
  /** Entries of the big tag checked to hit before the measurement and to miss after it. */
  sample: number;
}

/** A best round per variant: at 1 in flight (latency) and at 64 in flight (throughput). */
export interface TagVariantResult {
  tags: number;
  single: PhaseResult;
  concurrent: PhaseResult;
}

export interface TagsResult {
  invalidation: {
    entries: number;
    populateMs: number;
    sample: number;
    big: PhaseResult;
    one: PhaseResult;
  };
  reads: TagVariantResult[];
  writes: TagVariantResult[];
}

/** A contender of one group: measured like the others of its group, in alternating order. */
interface Case {
  name: string;
  op: (index: number) => Promise<unknown>;
  /** Run before each op, outside its timing (see runPhase). */
  untimed?: (index: number) => Promise<unknown>;
}

/**
 * Contenders compared together. 'interleaved' (1 in flight): one phase, one call of each in turn (runInterleaved), so
 * latency ratios are not skewed by what the box did between phases; its rounds are compared by their overall calls
 * per second of timed work and the best round's results kept together. 'phases' (64 in flight): one phase each.
 */
interface CaseGroup {
  name: string;
  mode: 'interleaved' | 'phases';
  concurrency: number;
  warmup: PhaseLimits;
  /** For 'interleaved': maxOps per contender, maxMs for the whole phase. */
  measure: PhaseLimits;
  cases: Case[];
}

const unexpectedMiss = (): never => {
  throw new Error('tags: getOrSet loader ran: a pre-populated tagged key missed');
};

/**
 * The tags section: one Nest application with the module's defaults, booted as an application would. Invalidation
 * of a tag carried by `plan.entries` entries vs by one; getOrSet hits with 0, 1, 4 declared tags; set with 1 tag vs
 * none. Every round goes through every group (variants alternating) before the next, as the encoding sections do.
 */
export async function benchTags(url: string, plan: TagsPlan, log: (line: string) => void): Promise<TagsResult> {
  const app: INestApplicationContext = await NestFactory.createApplicationContext(
    CacheModule.forRoot({ namespace: NAMESPACE, redis: { url } }),
    {
      logger: false,
    },
  );
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  try {
    const cache = app.get(CacheManager);

    // 1. The big tag: written through the package, many in flight (each set is one round trip once the token is known).
    const bigKeys = keyRange(BIG, plan.entries);
    const populateStart = performance.now();
    await pool(bigKeys.length, plan.populateConcurrency, (i) => cache.set(bigKeys[i], small.value, { ttl: TTL, tags: [BIG] }));
    const populateMs = performance.now() - populateStart;
    await cache.set('one:0', small.value, { ttl: TTL, tags: [ONE] });
    log(`tags | populated ${plan.entries.toLocaleString('en-US')} entries tagged "${BIG}" in ${(populateMs / 1000).toFixed(2)} s`);
    const sample = Array.from({ length: plan.sample }, (_, i) => bigKeys[Math.floor((i * plan.entries) / plan.sample)]);
    await expectSample(cache, sample, 'hit', 'after populating');
    await expectSample(cache, ['one:0'], 'hit', 'after populating');

    // Each measured invalidation must find its tag's entries live: the token they were stamped with is put back
    // (raw SET XX KEEPTTL, untimed) before it. Checked below: with it back, the sample hits again.
    const tokens = new Map<string, string>();
    for (const tag of [BIG, ONE]) {
      const token = await redis.get(tokenKey(tag));
      if (token === null)
        throw new Error(`tags: no token under ${tokenKey(tag)}: the package's tag key format changed; update bench/tags.ts`);
      tokens.set(tag, token);
    }
    const restore = (tag: string) => () => redis.set(tokenKey(tag), tokens.get(tag)!, 'KEEPTTL', 'XX');

    // 2. Reads and writes: keys written per declared-tag count, each read back once.
    const readKeys = READ_TAGS.map((tags) => keyRange(`r${tags.length}`, KEYS_PER_VARIANT));
    const writeKeys = WRITE_TAGS.map((tags) => keyRange(`w${tags.length}`, KEYS_PER_VARIANT));
    for (const [v, tags] of READ_TAGS.entries()) {
      await pool(KEYS_PER_VARIANT, 64, (i) => cache.set(readKeys[v][i], small.value, withTags(tags)));
      const read = await cache.getOrSet(readKeys[v][0], unexpectedMiss, withTags(tags));
      if (JSON.stringify(read) !== small.json) throw new Error(`tags: ${readKeys[v][0]} did not read back the stored value`);
    }

    const readCases = READ_TAGS.map((tags, v): Case => {
      const keys = readKeys[v];
      const options = withTags(tags);
      return { name: `getOrSet, ${tags.length} tags`, op: (i) => cache.getOrSet(keys[i % keys.length], unexpectedMiss, options) };
    });
    const writeCases = WRITE_TAGS.map((tags, v): Case => {
      const keys = writeKeys[v];
      const options = withTags(tags);
      return { name: `set, ${tags.length} tags`, op: (i) => cache.set(keys[i % keys.length], small.value, options) };
    });
    const phase = { warmup: plan.warmup, measure: { maxOps: 400_000, maxMs: plan.measureMs } };
    // Interleaved: each contender gets the time a phase of its own would have.
    const interleaved = (cases: Case[]) => ({ warmup: plan.warmup, measure: { maxOps: 400_000, maxMs: plan.measureMs * cases.length } });
    const invalidationCases = [BIG, ONE].map((tag): Case => ({
      name: `invalidateTags("${tag}")`,
      op: () => cache.invalidateTags(tag),
      untimed: restore(tag),
    }));
    const groups: CaseGroup[] = [
      { name: 'read, 1 in flight', mode: 'interleaved', concurrency: 1, ...interleaved(readCases), cases: readCases },
      { name: 'read, 64 in flight', mode: 'phases', concurrency: 64, ...phase, cases: readCases },
      { name: 'write, 1 in flight', mode: 'interleaved', concurrency: 1, ...interleaved(writeCases), cases: writeCases },
      { name: 'write, 64 in flight', mode: 'phases', concurrency: 64, ...phase, cases: writeCases },
      {
        name: 'invalidate, 1 in flight',
        mode: 'interleaved',
        concurrency: 1,
        // Bounded by time too, in case the box is far slower than expected; the report prints how many were measured.
        warmup: { maxOps: plan.invalidationWarmup, maxMs: 2_000 },
        measure: { maxOps: plan.invalidations, maxMs: 10_000 },
        cases: invalidationCases,
      },
    ];

    // 3. Rounds.
    const best = new Map<string, PhaseResult>();
    const bestInterleaved = new Map<CaseGroup, number>();
    for (let round = 0; round < plan.rounds; round++) {
      for (const group of groups) {
        const cases = roundOrder(group.cases, round);
        const results =
          group.mode === 'phases'
            ? await sequential(cases.map((c) => () => measurePhase(c.op, group)))
            : await measureInterleaved(cases, group);
        cases.forEach((c, i) =>
          log(
            `tags | ${group.name} | ${c.name} | round ${round + 1}: ${Math.round(results[i].opsPerSec)} ops/s, p50 ${results[i].p50Ms.toFixed(3)} ms, p99 ${results[i].p99Ms.toFixed(3)} ms`,
          ),
        );
        if (group.mode === 'phases') cases.forEach((c, i) => keepBest(best, `${group.name} | ${c.name}`, results[i]));
        else {
          // The round's calls per second of timed work, over all its contenders: the quietest round wins, whole.
          const score = sum(results.map((r) => r.ops)) / sum(results.map((r) => r.ops / r.opsPerSec));
          if (score > (bestInterleaved.get(group) ?? 0)) {
            bestInterleaved.set(group, score);
            cases.forEach((c, i) => best.set(`${group.name} | ${c.name}`, results[i]));
          }
        }
      }
    }

    // 4. The measured invalidations acted on live entries: with the token put back, the sample hits again...
    await restore(BIG)();
    await expectSample(cache, sample, 'hit', 'with the token the entries were stamped with put back');
    // ...and one invalidation makes every sampled entry miss, while each is still stored (until its TTL).
    await cache.invalidateTags(BIG);
    await cache.invalidateTags(ONE);
    await expectSample(cache, sample, 'miss', `after invalidateTags("${BIG}")`);
    await expectSample(cache, ['one:0'], 'miss', `after invalidateTags("${ONE}")`);
    const stored = await redis.exists(...sample.map((key) => `${NAMESPACE}:${key}`));
    if (stored !== sample.length) throw new Error(`tags: ${sample.length - stored} sampled entries were removed, not just invalidated`);
    log(
      `tags | checked: ${sample.length} sampled entries hit before, and with the token put back; miss after invalidateTags; still stored`,
    );

    const get = (group: string, c: Case): PhaseResult => best.get(`${group} | ${c.name}`)!;
    return {
      invalidation: {
        entries: plan.entries,
        populateMs,
        sample: sample.length,
        big: get('invalidate, 1 in flight', invalidationCases[0]),
        one: get('invalidate, 1 in flight', invalidationCases[1]),
      },
      reads: READ_TAGS.map((tags, v) => ({
        tags: tags.length,
        single: get('read, 1 in flight', readCases[v]),
        concurrent: get('read, 64 in flight', readCases[v]),
      })),
      writes: WRITE_TAGS.map((tags, v) => ({
        tags: tags.length,
        single: get('write, 1 in flight', writeCases[v]),
        concurrent: get('write, 64 in flight', writeCases[v]),
      })),
    };
  } finally {
    await app.close();
    await redis.quit();
  }
}

/** The options of set and getOrSet: the TTL, and the tags unless there are none (an untagged call passes no `tags`). */
function withTags(tags: readonly string[]): { ttl: Ttl; tags?: readonly string[] } {
  return tags.length === 0 ? { ttl: TTL } : { ttl: TTL, tags };
}

/** A full GC, the interleaved warm-up, another full GC, the interleaved measured phase (as measurePhase). */
async function measureInterleaved(cases: readonly Case[], group: CaseGroup): Promise<PhaseResult[]> {
  const ops = cases.map((c) => c.op);
  const untimed = cases.map((c) => c.untimed);
  collectGarbage();
  await runInterleaved(ops, group.warmup, untimed);
  collectGarbage();
  return runInterleaved(ops, group.measure, untimed);
}

async function sequential<T>(steps: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  const results: T[] = [];
  for (const step of steps) results.push(await step());
  return results;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Runs `op(0..count-1)` with `concurrency` in flight. */
async function pool(count: number, concurrency: number, op: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await op(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Every key must hit (and read back the value) or miss; otherwise the run aborts rather than report a wrong result. */
async function expectSample(cache: CacheManager, keys: readonly string[], expected: 'hit' | 'miss', when: string): Promise<void> {
  const values = await Promise.all(keys.map((key) => cache.get(key)));
  const wrong = values.filter((value) => (expected === 'hit' ? JSON.stringify(value) !== small.json : value !== undefined)).length;
  if (wrong > 0) throw new Error(`tags: ${wrong} of ${keys.length} sampled entries did not ${expected} ${when}`);
}
