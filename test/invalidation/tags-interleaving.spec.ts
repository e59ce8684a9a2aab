import { randomInt } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { register } from 'prom-client';
import type { CacheManager } from '@datapunk/nestjs-cache';
import type { TestingModule } from '@nestjs/testing';
import { bootCache } from '../support/cache-app.js';
import { gate, TOPOLOGIES, type Topology } from '../support/topologies.js';

/**
 * Issue 8's acceptance test (extended by issue 18 to invalidations by key and by prefix): a randomised interleaving of
 * loads, invalidations, stores, reads and evictions of tag data, by two service instances on one Redis (a single redis-server, then a 3-master Cluster), checked against an
 * in-memory database: no read may return a version older than the newest one whose invalidation had completed when
 * the read started. Rerun a failing seed with TAGS_INTERLEAVING_SEED=<seed> (the plan is a function of the seed only;
 * how the actors' steps interleave on the wire is not).
 */

const PRODUCTS = 20;
const CATEGORIES = 4;
/** Products 0..HOT-1 get half of the traffic: that is where loads and invalidations of one product meet. */
const HOT = 4;
/** Independent sequences of steps run concurrently (half on each instance): 10,000 steps per topology. */
const ACTORS = 8;
const STEPS_PER_ACTOR = 1250;
/** The cache must still be useful: share of lookups (get, mget, getOrSet not joining a flight) it served (observed 0.23-0.30). */
const MIN_HIT_RATIO = 0.15;
/**
 * A gap found by this test and since fixed in lib: getOrSet's in-process single flight let a call that starts after an
 * invalidation completed join a load that started before it, and return that load's stale value. Now a joining call
 * checks the flight's tag stamps first (ReadThrough.join). False: stale reads through a joined flight fail the random
 * test like any other, and the deterministic tests below check the fixed behaviour.
 */
const JOINED_FLIGHTS_MAY_BE_STALE = false;

const SEED = seedFrom(process.env.TAGS_INTERLEAVING_SEED);

function seedFrom(text: string | undefined): number {
  if (text === undefined || text === '') return randomInt(1, 2 ** 31);
  const seed = Number(text);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`TAGS_INTERLEAVING_SEED must be a non-negative integer, got ${text}`);
  return seed >>> 0;
}

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A pause inside a loader or between a commit and its invalidation: 0 none, 1 a microtask, 2 setImmediate (lets
 * I/O in), 3..5 setTimeout of 0..2 ms.
 */
type Pause = 0 | 1 | 2 | 3 | 4 | 5;

function pause(code: Pause): Promise<void> | undefined {
  if (code === 0) return undefined;
  if (code === 1) return Promise.resolve();
  if (code === 2) return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => setTimeout(resolve, code - 3));
}

type Instance = 0 | 1;

type Step =
  | { kind: 'load'; instance: Instance; product: number; tags: 'known' | 'fromValue'; lock: boolean; before: Pause; after: Pause }
  | { kind: 'get'; instance: Instance; product: number }
  | { kind: 'mget'; instance: Instance; products: number[] }
  | { kind: 'write'; instance: Instance; product: number; invalidate: 'product' | 'category' | 'both' | 'key' | 'prefix'; pause: Pause }
  | { kind: 'store'; instance: Instance; product: number }
  | { kind: 'evict'; key: { tag: string } | 'epoch' }
  | { kind: 'unrelated'; instance: Instance; tag: string };

/** The steps of one actor: a pure function of (seed, actor). Every random choice is drawn here, none while running. */
function plan(seed: number, actor: number, steps: number): Step[] {
  const random = prng((seed ^ Math.imul(actor + 1, 0x9e3779b9)) >>> 0);
  const below = (n: number): number => Math.floor(random() * n);
  const weighted = <T>(choices: ReadonlyArray<readonly [T, number]>): T => {
    let r = random() * choices.reduce((sum, [, weight]) => sum + weight, 0);
    for (const [choice, weight] of choices) if ((r -= weight) < 0) return choice;
    return choices[choices.length - 1][0];
  };
  const product = (): number => (random() < 0.5 ? below(HOT) : below(PRODUCTS));
  const pauseOf = (): Pause =>
    weighted<Pause>([
      [0, 30],
      [1, 20],
      [2, 25],
      [3, 15],
      [4, 7],
      [5, 3],
    ]);
  const instance = (actor % 2) as Instance; // each instance runs half of the actors (its own "requests")
  const out: Step[] = [];
  for (let i = 0; i < steps; i++) {
    const kind = weighted<Step['kind']>([
      ['load', 34],
      ['get', 15],
      ['mget', 9],
      ['write', 20],
      ['store', 10],
      ['evict', 9],
      ['unrelated', 3],
    ]);
    switch (kind) {
      case 'load':
        out.push({
          kind,
          instance,
          product: product(),
          tags: random() < 0.6 ? 'known' : 'fromValue',
          lock: random() < 0.05,
          before: pauseOf(),
          after: pauseOf(),
        });
        break;
      case 'get':
      case 'store':
        out.push({ kind, instance, product: product() });
        break;
      case 'mget':
        out.push({ kind, instance, products: Array.from({ length: 2 + below(4) }, product) });
        break;
      case 'write':
        out.push({
          kind,
          instance,
          product: product(),
          invalidate: weighted([
            ['product', 45],
            ['category', 15],
            ['both', 5],
            ['key', 25], // invalidate(key): the load's lease is revoked
            ['prefix', 10], // invalidatePrefix(key): the same, for every key under it
          ] as const),
          pause: pauseOf(),
        });
        break;
      case 'evict': {
        const target = weighted([
          ['product', 45],
          ['category', 35],
          ['epoch', 20],
        ] as const);
        out.push({
          kind,
          key: target === 'epoch' ? 'epoch' : { tag: target === 'product' ? `product:${product()}` : `category:${below(CATEGORIES)}` },
        });
        break;
      }
      case 'unrelated':
        out.push({ kind, instance, tag: `promo:${below(3)}` });
        break;
    }
  }
  return out;
}

const categoryOf = (product: number): number => product % CATEGORIES;
const tagsOf = (product: number): string[] => [`product:${product}`, `category:${categoryOf(product)}`];
const keyOf = (product: number): string => `product:${product}`;

/** What the cache holds: a product row at some version, and who produced it (for the diagnosis of a stale read). */
interface Row {
  id: number;
  version: number;
  origin: 'load' | 'set';
  op: number;
}

interface StaleRead {
  read: 'get' | 'mget' | 'getOrSet' | 'final get' | 'final getOrSet';
  instance: Instance;
  product: number;
  floor: number;
  returned: Row;
  /** A getOrSet that found another call's load of this key in flight in its instance (single flight). */
  joinedFlight: boolean;
}

/** The database, what each read may return at the least, and the counts the run reports. */
class World {
  /** Committed version of each product. */
  readonly version: number[] = Array.from({ length: PRODUCTS }, () => 1);
  /** Lowest version a read starting now may return: raised when an invalidation after a commit resolves. */
  readonly floor: number[] = Array.from({ length: PRODUCTS }, () => 1);
  /** Loaders that read the database and whose getOrSet has not resolved: op -> version read. */
  readonly running: Array<Map<number, { version: number; fromValue: boolean }>> = Array.from({ length: PRODUCTS }, () => new Map());
  /**
   * The promises of getOrSet calls in progress per instance and product. A call that joins one of them (single flight)
   * gets the very same promise back: that is how a joined call is told apart from a hit.
   */
  readonly flights: Array<Array<Set<Promise<Row>>>> = [0, 1].map(() => Array.from({ length: PRODUCTS }, () => new Set<Promise<Row>>()));
  /** Raw sets: the version read, and the database's version when the set resolved (undefined while in flight). */
  readonly sets = new Map<number, { version: number; resolvedAt?: number }>();

  readonly steps: Record<Step['kind'], number> = { load: 0, get: 0, mget: 0, write: 0, store: 0, evict: 0, unrelated: 0 };
  readonly stale: StaleRead[] = [];
  readonly corrupt: string[] = [];
  hits = 0;
  misses = 0;
  joined = 0;
  loaderRuns = 0;
  fromValueLoaderRuns = 0;
  /** Invalidations that started while a load of their product had read an older version and not yet returned. */
  racedInvalidations = 0;
  /** Of those, invalidations by key or by prefix (the load's lease is what stops its write-back). */
  racedKeyInvalidations = 0;
  racedLoads = 0;
  racedFromValueLoads = 0;
  /** Sets whose product was committed between their database read and their return (raw set's documented limit). */
  racySets = 0;
  excusedSetReads = 0;
  /** Stale values a getOrSet got by joining a load in flight in its instance (see JOINED_FLIGHTS_MAY_BE_STALE). */
  excusedJoinedReads = 0;

  /** Counts a lookup's outcome. */
  lookup(value: unknown): void {
    if (value === undefined) this.misses++;
    else this.hits++;
  }

  /** Checks one value returned by a read that started when the product's floor was `floor` (undefined: a miss, fine). */
  check(read: StaleRead['read'], instance: Instance, product: number, floor: number, value: unknown, joinedFlight = false): void {
    if (value === undefined) return;
    const row = value as Row;
    if (typeof row !== 'object' || row === null || row.id !== product || !(row.version <= this.version[product])) {
      this.corrupt.push(`${read} of product ${product} returned ${JSON.stringify(value)} (database at ${this.version[product]})`);
      return;
    }
    if (row.version >= floor) return;
    if (row.origin === 'set') {
      // A known limit (docs/guide/tags.md, docs/known-limits.md): a value read from the database before an invalidation
      // and `set` after it is not caught.
      const set = this.sets.get(row.op)!;
      if (set.resolvedAt === undefined || set.resolvedAt > set.version) {
        this.excusedSetReads++;
        return;
      }
    }
    if (joinedFlight && JOINED_FLIGHTS_MAY_BE_STALE) {
      this.excusedJoinedReads++;
      return;
    }
    this.stale.push({ read, instance, product, floor, returned: row, joinedFlight });
  }
}

/** Runs one step; `op` identifies it (and the value it produces). */
async function runStep(
  world: World,
  caches: readonly CacheManager[],
  raw: Redis | Cluster,
  namespace: string,
  step: Step,
  op: number,
): Promise<void> {
  world.steps[step.kind]++;
  switch (step.kind) {
    case 'load': {
      const { instance, product } = step;
      const floor = world.floor[product];
      const fromValue = step.tags === 'fromValue';
      let ran = false;
      const loader = async (): Promise<Row> => {
        ran = true;
        world.loaderRuns++;
        if (fromValue) world.fromValueLoaderRuns++;
        await pause(step.before);
        const row: Row = { id: product, version: world.version[product], origin: 'load', op }; // the database read
        world.running[product].set(op, { version: row.version, fromValue });
        await pause(step.after);
        return row;
      };
      const flights = world.flights[instance][product];
      const call = caches[instance].getOrSet(keyOf(product), loader, {
        tags: fromValue ? (row: Row) => tagsOf(row.id) : tagsOf(product),
        lock: step.lock,
      });
      const joinedFlight = flights.has(call);
      let value: Row;
      try {
        if (!joinedFlight) flights.add(call);
        value = await call;
      } finally {
        if (!joinedFlight) flights.delete(call);
        world.running[product].delete(op);
      }
      if (ran) {
        // The caller's own load, which started after its call: fresh by construction (checked all the same).
        if (value.op !== op) world.corrupt.push(`getOrSet ran its loader (op ${op}) but returned ${JSON.stringify(value)}`);
        world.misses++;
      } else if (joinedFlight) {
        world.joined++;
      } else {
        world.hits++;
      }
      world.check('getOrSet', instance, product, floor, value, joinedFlight);
      return;
    }
    case 'get': {
      const floor = world.floor[step.product];
      const value = await caches[step.instance].get(keyOf(step.product));
      world.lookup(value);
      world.check('get', step.instance, step.product, floor, value);
      return;
    }
    case 'mget': {
      const floors = step.products.map((product) => world.floor[product]);
      const values = await caches[step.instance].mget(step.products.map(keyOf));
      step.products.forEach((product, i) => {
        world.lookup(values[i]);
        world.check('mget', step.instance, product, floors[i], values[i]);
      });
      return;
    }
    case 'write': {
      const { product } = step;
      world.version[product]++; // the commit
      await pause(step.pause);
      const covered = world.version[product]; // every version committed before the invalidation is sent
      let raced = false;
      for (const load of world.running[product].values()) {
        if (load.version >= covered) continue;
        raced = true;
        world.racedLoads++;
        if (load.fromValue) world.racedFromValueLoads++;
      }
      if (raced) world.racedInvalidations++;
      if (raced && (step.invalidate === 'key' || step.invalidate === 'prefix')) world.racedKeyInvalidations++;
      const [productTag, categoryTag] = tagsOf(product);
      const cache = caches[step.instance];
      if (step.invalidate === 'key') await cache.invalidate(keyOf(product));
      else if (step.invalidate === 'prefix') await cache.invalidatePrefix(keyOf(product)); // product:1 covers product:1x too
      else {
        const tags =
          step.invalidate === 'product' ? [productTag] : step.invalidate === 'category' ? [categoryTag] : [productTag, categoryTag];
        await cache.invalidateTags(tags);
      }
      if (covered > world.floor[product]) world.floor[product] = covered;
      return;
    }
    case 'store': {
      const { product } = step;
      const version = world.version[product]; // read right before the set
      const set: { version: number; resolvedAt?: number } = { version };
      world.sets.set(op, set);
      const row: Row = { id: product, version, origin: 'set', op };
      await caches[step.instance].set(keyOf(product), row, { tags: tagsOf(product) });
      set.resolvedAt = world.version[product];
      if (set.resolvedAt > version) world.racySets++;
      return;
    }
    case 'evict':
      await raw.del(step.key === 'epoch' ? `${namespace}:__tag-epoch__` : `${namespace}:__tag__:${step.key.tag}`);
      return;
    case 'unrelated':
      await caches[step.instance].invalidateTags(step.tag); // moves the epoch: tags-from-value loads in flight skip their store
      return;
  }
}

async function metricSum(name: string, labels: Record<string, string>): Promise<number> {
  const metric = register.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((sample) => Object.entries(labels).every(([k, v]) => sample.labels[k] === v))
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** The two topologies, each run in a namespace of its own. */
const topologies = TOPOLOGIES.map((topology, i) => ({ ...topology, namespace: ['interleave-single', 'interleave-cluster'][i] }));


test('the plan is a function of the seed', () => {
  expect(plan(SEED, 3, 500)).toEqual(plan(SEED, 3, 500));
  expect(plan(SEED, 3, 500)).not.toEqual(plan(SEED + 1, 3, 500));
  expect(plan(SEED, 3, 500)).not.toEqual(plan(SEED, 4, 500));
});

describe.each(topologies)('tag invalidation interleavings on $name', (topology) => {
  let setup: Awaited<ReturnType<Topology['start']>>;
  const modules: TestingModule[] = [];
  /** Two service instances: two Nest application contexts on the same Redis and namespace. */
  const caches: CacheManager[] = [];

  beforeAll(async () => {
    setup = await topology.start();
    for (let i = 0; i < 2; i++) {
      const { module, cache } = await bootCache({ namespace: topology.namespace, redis: setup.redis, operationTimeout: 1000 });
      modules.push(module);
      caches.push(cache);
    }
  }, 30_000);
  afterAll(async () => {
    await Promise.all(modules.map((module) => module.close()));
    await setup?.stop();
  });

  it(`${ACTORS * STEPS_PER_ACTOR} random steps by two instances: no read returns a version older than a completed invalidation`, async () => {
    const { namespace } = topology;
    console.info(`tags interleaving on ${topology.name}: seed ${SEED} (rerun with TAGS_INTERLEAVING_SEED=${SEED})`);
    const world = new World();
    const startedAt = performance.now();
    await Promise.all(
      Array.from({ length: ACTORS }, async (_, actor) => {
        const steps = plan(SEED, actor, STEPS_PER_ACTOR);
        for (let i = 0; i < steps.length; i++) await runStep(world, caches, setup.raw, namespace, steps[i], actor * 1_000_000 + i);
      }),
    );
    const elapsedMs = Math.round(performance.now() - startedAt);

    // Quiescent now: every floor is the committed version, and both instances must agree with the database.
    let finalLoads = 0;
    for (let product = 0; product < PRODUCTS; product++) {
      expect(world.floor[product]).toBe(world.version[product]);
      for (const instance of [0, 1] as const) {
        const floor = world.floor[product];
        world.check('final get', instance, product, floor, await caches[instance].get(keyOf(product)));
        const op = -1 - product - instance * PRODUCTS;
        const loaded = await caches[instance].getOrSet(
          keyOf(product),
          (): Row => (finalLoads++, { id: product, version: world.version[product], origin: 'load', op }),
          { tags: tagsOf(product) },
        );
        world.check('final getOrSet', instance, product, floor, loaded);
      }
    }

    await new Promise((resolve) => setTimeout(resolve, 50)); // a store the caller stopped waiting for has landed
    const setsOk = await metricSum('cache_operations_total', { namespace, operation: 'set', status: 'ok' });
    const errors = await metricSum('cache_errors_total', { namespace });
    const storedLoads = setsOk - world.steps.store - finalLoads; // the final sweep's loads are all stored (nothing invalidates then)
    const notStored = world.loaderRuns - storedLoads;
    const totalSteps = Object.values(world.steps).reduce((sum, count) => sum + count, 0);
    const hitRatio = world.hits / (world.hits + world.misses);

    console.info(
      `tags interleaving on ${topology.name}: seed ${SEED}, ${totalSteps} steps in ${elapsedMs} ms ` +
        `(${Object.entries(world.steps)
          .map(([kind, count]) => `${kind} ${count}`)
          .join(', ')}); ` +
        `lookups: ${world.hits} hits, ${world.misses} misses (hit ratio ${hitRatio.toFixed(2)}), ${world.joined} joined a load in flight; ` +
        `loader runs ${world.loaderRuns} (${world.fromValueLoaderRuns} with tags from the value), returned, not stored ${notStored}; ` +
        `invalidations racing a load ${world.racedInvalidations} (${world.racedKeyInvalidations} by key or prefix; ${world.racedLoads} loads raced, ${world.racedFromValueLoads} with tags from the value); ` +
        `raw sets racing a commit ${world.racySets} (stale reads of theirs, excused: ${world.excusedSetReads}); ` +
        `stale reads ${world.stale.length} (+ ${world.excusedJoinedReads} through a joined single flight, the known gap); cache errors ${errors}`,
    );

    expect(world.corrupt).toEqual([]);
    expect(world.stale.slice(0, 10)).toEqual([]);
    expect(world.stale.length).toBe(0);
    expect(errors).toBe(0);
    expect(totalSteps).toBeGreaterThanOrEqual(10_000);
    // The run exercised the race it is about, and the cache still served.
    expect(world.racedInvalidations).toBeGreaterThanOrEqual(20);
    expect(world.racedKeyInvalidations).toBeGreaterThanOrEqual(5);
    expect(world.racedFromValueLoads).toBeGreaterThanOrEqual(5);
    expect(notStored).toBeGreaterThan(0);
    expect(hitRatio).toBeGreaterThan(MIN_HIT_RATIO);
  }, 30_000);

  // The known gap, pinned (see JOINED_FLIGHTS_MAY_BE_STALE): once lib no longer lets the late call join, this fails until
  // the constant is flipped, which also makes the random test above count such reads as stale.
  it.each([
    ['this instance', 0],
    ['the other instance', 1],
  ])(
    JOINED_FLIGHTS_MAY_BE_STALE
      ? 'known gap: a getOrSet that starts after an invalidation (by %s) completed joins a load in flight that started before it, and gets its stale value'
      : 'a getOrSet that starts after an invalidation (by %s) completed does not join a load in flight that started before it',
    async (_label, invalidator) => {
      const [cache, other] = caches.map((instance) => instance.withNamespace(`${topology.namespace}-gap`));
      const key = `gap:${invalidator}`;
      const tags = [`gap:${invalidator}`];
      const held = gate<string>();
      const early = cache.getOrSet(key, () => held.promise, { tags });
      await new Promise((resolve) => setTimeout(resolve, 50)); // its lookup missed: the loader read the database
      await [cache, other][invalidator].invalidateTags(tags); // the database changed, then this invalidation completed
      const late = cache.getOrSet(key, () => 'new', { tags }); // asks after the invalidation
      held.open('old');
      expect(await early).toBe('old'); // the call that asked before gets what it loaded
      expect(await late).toBe(JOINED_FLIGHTS_MAY_BE_STALE ? 'old' : 'new');
      expect(await cache.getOrSet(key, () => 'newest', { tags })).toBe(JOINED_FLIGHTS_MAY_BE_STALE ? 'newest' : 'new'); // 'old' was not stored
    },
  );
});
