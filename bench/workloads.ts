import { keyRange, sizedValue, type SizedValue } from './data.js';
import type { Stack } from './stacks.js';

export interface Workload {
  name: string;
  /** Operations kept in flight at once. */
  concurrency: number;
  /** Upper bound of measured operations (the phase also stops on time). */
  maxOps: number;
  /** Writes what the workload reads through the stack itself (each stack has its own stored format), then checks a read. */
  prepare(stack: Stack): Promise<void>;
  op(stack: Stack, index: number): Promise<unknown>;
}

const small = sizedValue(100);
const medium = sizedValue(1024);
const large = sizedValue(100 * 1024);

const smallKeys = keyRange('get100', 1000);
const setKeys = keyRange('set1k', 1000);
const largeKeys = keyRange('get100k', 64);
const hotKeys = keyRange('hot', 16);
/** Ten disjoint batches of 100 of the small keys, built once. */
const mgetBatches = Array.from({ length: 10 }, (_, batch) => smallKeys.slice(batch * 100, batch * 100 + 100));

/**
 * getOrSet must measure the hit path: the keys are pre-populated with a 5 min TTL, so a loader
 * call means the stack missed; it throws, which aborts the run instead of measuring the wrong thing.
 */
const unexpectedMiss = (): never => {
  throw new Error('getOrSet loader ran: a pre-populated hot key missed');
};

/**
 * The 1 KB value is exactly 1,024 bytes of JSON: the default compression threshold (1024) compresses it, so this
 * workload also runs on the package configured not to (see run.ts).
 */
export const SET_1KB = 'set 1 KB, 64 in flight';

export const workloads: Workload[] = [
  getHit('get-hit 100 B, 1 in flight', 1, smallKeys, small),
  getHit('get-hit 100 B, 64 in flight', 64, smallKeys, small),
  {
    name: SET_1KB,
    concurrency: 64,
    maxOps: 400_000,
    prepare: async () => undefined,
    op: (stack, index) => stack.set(setKeys[index % setKeys.length], medium.value),
  },
  getHit('get-hit 100 KB, 16 in flight', 16, largeKeys, large),
  {
    name: 'getOrSet hot keys (16), 64 in flight',
    concurrency: 64,
    maxOps: 400_000,
    async prepare(stack) {
      await populate(stack, hotKeys, small);
      expectJson(await stack.getOrSet(hotKeys[0], unexpectedMiss), small, stack, hotKeys[0]);
    },
    op: (stack, index) => stack.getOrSet(hotKeys[index % hotKeys.length], unexpectedMiss),
  },
  {
    name: 'mget 100 keys x 100 B, 1 in flight',
    concurrency: 1,
    maxOps: 100_000,
    async prepare(stack) {
      await populate(stack, smallKeys, small);
      const values = await stack.mget(mgetBatches[0]);
      if (values.length !== 100) throw new Error(`${stack.name}: mget returned ${values.length} values`);
      values.forEach((value, index) => expectJson(value, small, stack, mgetBatches[0][index]));
    },
    op: (stack, index) => stack.mget(mgetBatches[index % mgetBatches.length]),
  },
];

function getHit(name: string, concurrency: number, keys: string[], data: SizedValue): Workload {
  return {
    name,
    concurrency,
    maxOps: 400_000,
    async prepare(stack) {
      await populate(stack, keys, data);
      expectJson(await stack.get(keys[0]), data, stack, keys[0]);
    },
    op: (stack, index) => stack.get(keys[index % keys.length]),
  };
}

async function populate(stack: Stack, keys: string[], data: SizedValue): Promise<void> {
  await Promise.all(keys.map((key) => stack.set(key, data.value)));
}

/** A hit must return the stored value: otherwise the bench would be timing misses. */
function expectJson(actual: unknown, expected: SizedValue, stack: Stack, key: string): void {
  if (JSON.stringify(actual) !== expected.json) throw new Error(`${stack.name}: "${key}" did not read back the stored value`);
}
