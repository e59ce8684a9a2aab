import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { Cacheable, CacheModule, CachePut, type CacheKeyable } from '@datapunk/nestjs-cache';
import { useRedisServer } from '../support/redis-fixture.js';
import { warningCollector } from '../support/cache-app.js';
import { metricValue } from '../faults/fault-harness.js';

/** Money keeps its state in a #private field: no enumerable property tells two amounts apart. */
class Money {
  readonly #cents: number;
  constructor(cents: number) {
    this.#cents = cents;
  }
  get cents(): number {
    return this.#cents;
  }
}

/** A class instance with the documented key hook: cached by what toCacheKey() returns. */
class Sku implements CacheKeyable {
  readonly #code: string;
  constructor(code: string) {
    this.#code = code;
  }
  get code(): string {
    return this.#code;
  }
  toCacheKey(): string {
    return this.#code;
  }
}

/** Exactly what the method was given, so a test sees whose answer a caller got. */
function describeValue(value: unknown): string {
  if (Object.is(value, -0)) return '-0';
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Date) return `Date(${value.getTime()})`;
  if (value instanceof Set) return `Set(${[...value].map(describeValue).join(',')})`;
  if (value instanceof Map) return `Map(${[...value].map(([k, v]) => `${describeValue(k)}=>${describeValue(v)}`).join(',')})`;
  if (value instanceof Money) return `Money(${value.cents})`;
  if (value instanceof Sku) return `Sku(${value.code})`;
  if (Array.isArray(value)) return `[${value.map(describeValue).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}:${describeValue(v)}`)
      .join(',')}}`;
  }
  return `${typeof value}:${String(value)}`;
}

let runs = 0;

@Injectable()
class LookupService {
  @Cacheable()
  async identify(value: unknown) {
    runs++;
    return describeValue(value);
  }

  @Cacheable()
  async kind(value: unknown) {
    runs++;
    return typeof value;
  }

  @Cacheable()
  async price(money: Money) {
    runs++;
    return money.cents;
  }

  @Cacheable({ batch: true })
  async stock(ids: unknown[], warehouse: unknown) {
    runs++;
    return ids.map((id) => `${describeValue(id)}@${describeValue(warehouse)}`);
  }

  @CachePut()
  async record(value: unknown) {
    runs++;
    return describeValue(value);
  }
}

describe('the default @Cacheable key (a real Redis)', () => {
  const db = useRedisServer();
  const logger = warningCollector();
  let module: TestingModule;
  let lookups: LookupService;

  beforeAll(async () => {
    module = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: 'keys', redis: { url: db.server.url } })],
      providers: [LookupService],
    })
      .setLogger(logger)
      .compile();
    await module.init();
    lookups = module.get(LookupService);
  });

  afterAll(() => module.close());

  beforeEach(async () => {
    runs = 0;
    await db.redis.flushdb();
  });

  const pairs: Array<[string, unknown, unknown]> = [
    ['two different Sets', new Set(['a']), new Set(['b'])],
    ['two different Maps', new Map([['k', 'a']]), new Map([['k', 'b']])],
    ['Maps differing in a key', new Map([['a', 1]]), new Map([['b', 1]])],
    ['[undefined] and [null]', [undefined], [null]],
    ['NaN and null', NaN, null],
    ['Infinity and null', Infinity, null],
    ['1n and 1', 1n, 1],
    ['-0 and 0 (kept apart, as Object.is does)', -0, 0],
    ['two Dates', new Date(0), new Date(1)],
    ['an invalid Date and null', new Date(NaN), null],
    ['{ a: undefined } and {}', { a: undefined }, {}],
    ['"1" and 1', '1', 1],
    ['Sku instances with different toCacheKey()', new Sku('a'), new Sku('b')],
  ];

  it.each(pairs)('%s: each caller gets its own result, and each is then served from the cache', async (_name, first, second) => {
    expect(await lookups.identify(first)).toBe(describeValue(first));
    expect(await lookups.identify(second)).toBe(describeValue(second));
    expect(runs).toBe(2);
    expect(await lookups.identify(first)).toBe(describeValue(first));
    expect(await lookups.identify(second)).toBe(describeValue(second));
    expect(runs).toBe(2);
    expect(await db.redis.keys('keys:LookupService.identify:*')).toHaveLength(2);
  });

  it('equal arguments share an entry whatever the order of object keys, Map entries or Set members', async () => {
    await lookups.identify({
      a: 1,
      b: [new Set([1, 2])],
      c: new Map([
        ['x', 1],
        ['y', 2],
      ]),
    });
    await lookups.identify({
      c: new Map([
        ['y', 2],
        ['x', 1],
      ]),
      b: [new Set([2, 1])],
      a: 1,
    });
    expect(runs).toBe(1);
  });

  it('a class instance without toCacheKey() (state in #private fields) runs uncached: counted by reason, logged once', async () => {
    const before = await metricValue('cache_uncacheable_calls_total', {
      namespace: 'keys',
      cache: 'LookupService.price',
      reason: 'class_instance',
    });
    logger.warnings.length = 0;
    expect(await lookups.price(new Money(100))).toBe(100);
    expect(await lookups.price(new Money(200))).toBe(200);
    expect(await lookups.price(new Money(100))).toBe(100);
    expect(runs).toBe(3);
    expect(await db.redis.keys('keys:*')).toEqual([]);
    const after = await metricValue('cache_uncacheable_calls_total', {
      namespace: 'keys',
      cache: 'LookupService.price',
      reason: 'class_instance',
    });
    expect(after - before).toBe(3);
    const lines = logger.warnings.filter((line) => line.includes('LookupService.price'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/runs uncached.*argument 0 is an instance of Money without toCacheKey\(\)/);
  });

  it.each([
    ['function', () => 1, 'function'],
    ['symbol', Symbol('s'), 'symbol'],
    ['WeakMap', new WeakMap(), 'class_instance'],
    ['Promise', Promise.resolve(1), 'class_instance'],
    [
      'cyclic object',
      (() => {
        const node: Record<string, unknown> = {};
        node.self = node;
        return node;
      })(),
      'cycle',
    ],
  ])('a %s argument runs uncached, never sharing an entry', async (_name, value, reason) => {
    const labels = { namespace: 'keys', cache: 'LookupService.kind', reason };
    const before = await metricValue('cache_uncacheable_calls_total', labels);
    await lookups.kind(value);
    await lookups.kind(value);
    expect(runs).toBe(2);
    expect(await db.redis.keys('keys:*')).toEqual([]);
    expect((await metricValue('cache_uncacheable_calls_total', labels)) - before).toBe(2);
  });

  it('batch keys: different ids and different other arguments get their own entries', async () => {
    expect(await lookups.stock([new Set(['a']), NaN], [undefined])).toEqual([
      'Set(string:a)@[undefined:undefined]',
      'number:NaN@[undefined:undefined]',
    ]);
    expect(await lookups.stock([new Set(['b']), null], [null])).toEqual(['Set(string:b)@[object:null]', 'object:null@[object:null]']);
    expect(runs).toBe(2);
    expect(await lookups.stock([new Set(['a']), NaN], [undefined])).toEqual([
      'Set(string:a)@[undefined:undefined]',
      'number:NaN@[undefined:undefined]',
    ]);
    expect(runs).toBe(2);
  });

  it('batch: an id the key cannot encode runs the whole call uncached, in the shape asked', async () => {
    const labels = { namespace: 'keys', cache: 'LookupService.stock', reason: 'class_instance' };
    const before = await metricValue('cache_uncacheable_calls_total', labels);
    expect(await lookups.stock(['a', new Money(1)], 'w')).toEqual(['string:a@string:w', 'Money(1)@string:w']);
    expect(await lookups.stock(['a', new Money(2)], 'w')).toEqual(['string:a@string:w', 'Money(2)@string:w']);
    expect(runs).toBe(2);
    expect(await db.redis.keys('keys:*')).toEqual([]);
    expect((await metricValue('cache_uncacheable_calls_total', labels)) - before).toBe(2);
  });

  it('@CachePut: an argument the key cannot encode stores nothing (counted); others are stored under their own key', async () => {
    const labels = { namespace: 'keys', cache: 'LookupService.record', reason: 'class_instance' };
    const before = await metricValue('cache_uncacheable_calls_total', labels);
    expect(await lookups.record(new Money(5))).toBe('Money(5)');
    expect(await db.redis.keys('keys:*')).toEqual([]);
    expect((await metricValue('cache_uncacheable_calls_total', labels)) - before).toBe(1);
    await lookups.record([undefined]);
    await lookups.record([null]);
    expect(await db.redis.keys('keys:LookupService.record:*')).toHaveLength(2);
  });
});
