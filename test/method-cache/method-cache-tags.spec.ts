import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { Cacheable, CacheError, CacheInvalidate, CacheManager, CacheModule, CachePut, type CacheableTags } from '@datapunk/nestjs-cache';
import { metricValue } from '../faults/fault-harness.js';
import { warningCollector } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { RedisServer } from '../support/redis-server.js';

interface Item {
  id: string;
  category: string;
  price: number;
}

/** A fake table the tests change behind the cache's back. */
const table = new Map<string, Item>();
const resetTable = () => {
  table.clear();
  for (const item of [
    { id: '1', category: 'office', price: 10 },
    { id: '2', category: 'office', price: 20 },
    { id: '3', category: 'audio', price: 30 },
  ])
    table.set(item.id, item);
};
const row = (id: string): Item | null => (table.has(id) ? { ...table.get(id)! } : null);
const inCategory = (category: string): Item[] =>
  [...table.values()].filter((item) => item.category === category).map((item) => ({ ...item }));

/** Counts runs of the real methods by name (and argument), so a test can tell a hit from a load. */
const calls = new Map<string, number>();
const ran = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
const count = (name: string) => calls.get(name) ?? 0;

/** A promise and the function that resolves it: holds a load open while a test invalidates. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

@Injectable()
class CatalogService {
  /** When set, item() reads its row, then waits for this before returning it (a slow query that read old data). */
  hold?: Promise<void>;

  @Cacheable({ key: (id: string) => `item:${id}`, tags: (id: string) => [`product:${id}`] })
  async item(id: string) {
    ran(`item:${id}`);
    const value = row(id);
    await this.hold;
    return value;
  }

  @Cacheable({
    key: (id: string) => `detail:${id}`,
    tags: { fromResult: (item: Item | null, id: string) => (item ? [`product:${id}`, `category:${item.category}`] : [`product:${id}`]) },
  })
  async detail(id: string) {
    ran(`detail:${id}`);
    return row(id);
  }

  @Cacheable({ key: (category: string) => `list:${category}`, tags: (category: string) => [`category:${category}`] })
  async list(category: string) {
    ran(`list:${category}`);
    return inCategory(category);
  }

  @CacheInvalidate({ tags: (id: string) => [`product:${id}`] })
  async setPrice(id: string, price: number, fail = false) {
    if (fail) throw new Error('write failed');
    table.set(id, { ...table.get(id)!, price });
    return row(id);
  }

  @CacheInvalidate({ resultTags: (item: Item) => [`category:${item.category}`] })
  async add(item: Item) {
    table.set(item.id, item);
    return { ...item };
  }

  @CacheInvalidate({ tags: (id: string) => [`product:${id}`], resultTags: (item: Item) => [`category:${item.category}`], before: true })
  async remove(id: string, fail = false) {
    if (fail) throw new Error('delete failed');
    const item = row(id)!;
    table.delete(id);
    return item;
  }

  @CachePut({ key: (id: string) => `item:${id}`, tags: (id: string) => [`product:${id}`] })
  async reload(id: string) {
    ran(`reload:${id}`);
    return row(id);
  }

  @Cacheable({ key: (tag: string) => `bad-args:${tag}`, tags: (tag: string) => [tag] })
  async badArgsTags(tag: string) {
    ran('badArgsTags');
    return tag;
  }

  @Cacheable({ key: 'bad-result', tags: { fromResult: (result: { tag: string }) => [result.tag] } })
  async badResultTags() {
    ran('badResultTags');
    return { tag: 'has a space' };
  }

  @Cacheable({ key: 'throwing-tags', tags: { fromResult: (result: { ids?: string[] }) => result.ids!.map((id) => `product:${id}`) } })
  async throwingTags() {
    ran('throwingTags');
    return {};
  }

  @CacheInvalidate({ keys: (id: string) => [`plain:${id}`], tags: (id: string) => [`product ${id}`] }) // a space: refused
  async badInvalidation(id: string) {
    ran('badInvalidation');
    return id;
  }
}

describe('tags on @Cacheable, @CachePut and @CacheInvalidate (a real Nest app on a real Redis)', () => {
  const db = useRedisServer();
  const logger = warningCollector();
  let module: TestingModule;
  let catalog: CatalogService;
  let cache: CacheManager;

  beforeAll(async () => {
    module = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: 'tagged', redis: { url: db.server.url } })],
      providers: [CatalogService],
    })
      .setLogger(logger)
      .compile();
    await module.init();
    catalog = module.get(CatalogService);
    cache = module.get(CacheManager);
  });

  afterAll(() => module.close());

  beforeEach(async () => {
    await db.redis.flushdb();
    resetTable();
    calls.clear();
    logger.warnings.length = 0;
    catalog.hold = undefined;
  });

  it('tags from the arguments: cached, then dropped by @CacheInvalidate({ tags }) and by nothing else', async () => {
    expect(await catalog.item('1')).toMatchObject({ price: 10 });
    expect(await catalog.item('1')).toMatchObject({ price: 10 });
    await catalog.item('2');
    expect([count('item:1'), count('item:2')]).toEqual([1, 1]);

    expect(await catalog.setPrice('1', 11)).toMatchObject({ price: 11 });
    expect(await catalog.item('1')).toMatchObject({ price: 11 });
    await catalog.item('2');
    expect([count('item:1'), count('item:2')]).toEqual([2, 1]); // product:2 was not invalidated
    expect(await db.redis.exists('tagged:item:1')).toBe(1); // a tagged entry is not deleted: it is never served again
  });

  it('@CacheInvalidate({ tags }) runs after the method succeeds, not when it throws', async () => {
    await catalog.item('1');
    await expect(catalog.setPrice('1', 99, true)).rejects.toThrow('write failed');
    await catalog.item('1');
    expect(count('item:1')).toBe(1);
  });

  it('tags from the arguments are taken before the load: a result read before an invalidation is never served after it', async () => {
    const held = gate();
    catalog.hold = held.promise;
    const stale = catalog.item('3'); // reads price 30, then waits
    await new Promise((resolve) => setTimeout(resolve, 50));
    catalog.hold = undefined;
    await catalog.setPrice('3', 31); // the row changed after the slow read
    held.open();
    expect(await stale).toMatchObject({ price: 30 }); // its own caller gets what it read
    expect(await catalog.item('3')).toMatchObject({ price: 31 }); // nobody else does
    expect(count('item:3')).toBe(2);
  });

  it('tags from the result ({ fromResult }): CacheManager.invalidateTags of any of them drops the entry', async () => {
    await catalog.detail('1');
    await catalog.detail('3');
    await catalog.detail('404'); // null is stored too, with the tags fromResult gives it
    await cache.invalidateTags('category:office');
    await Promise.all([catalog.detail('1'), catalog.detail('3'), catalog.detail('404')]);
    expect([count('detail:1'), count('detail:3'), count('detail:404')]).toEqual([2, 1, 1]);
    await cache.invalidateTags(['product:3', 'product:404']);
    await Promise.all([catalog.detail('1'), catalog.detail('3'), catalog.detail('404')]);
    expect([count('detail:1'), count('detail:3'), count('detail:404')]).toEqual([2, 2, 2]);
  });

  it('@CacheInvalidate({ resultTags }) drops the entries tagged with what the result names', async () => {
    await catalog.list('office');
    await catalog.list('audio');
    await catalog.add({ id: '4', category: 'office', price: 40 });
    expect((await catalog.list('office')).map((item) => item.id)).toEqual(['1', '2', '4']);
    await catalog.list('audio');
    expect([count('list:office'), count('list:audio')]).toEqual([2, 1]);
  });

  it('before: true invalidates tags before the method, even when it throws; resultTags only after it succeeds', async () => {
    await catalog.item('1');
    await catalog.list('office');
    await expect(catalog.remove('1', true)).rejects.toThrow('delete failed');
    await catalog.item('1');
    await catalog.list('office');
    expect([count('item:1'), count('list:office')]).toEqual([2, 1]); // product:1 before the throw; no result, no category

    await catalog.remove('2');
    expect((await catalog.list('office')).map((item) => item.id)).toEqual(['1']);
    expect(count('list:office')).toBe(2);
  });

  it('@CachePut({ tags }): the entry it overwrites keeps its tags, so invalidateTags still drops it', async () => {
    await catalog.item('1');
    table.set('1', { ...table.get('1')!, price: 12 }); // changed without an invalidation
    await catalog.reload('1');
    expect(await catalog.item('1')).toMatchObject({ price: 12 }); // a hit on what reload stored
    expect(count('item:1')).toBe(1);
    await cache.invalidateTags('product:1');
    await catalog.item('1');
    expect(count('item:1')).toBe(2);
  });

  it.each([
    ['a space', 'a b', /printable ASCII only, without spaces/],
    ['a brace', '{x}', /without spaces, "\{" or "\}"/],
    ['an empty tag', '', /tag length must be 1\.\.128, got 0/],
  ])(
    'bad tags from the arguments (%s): the call fails with a CacheError before the method runs, nothing stored',
    async (_label, tag, message) => {
      const call = catalog.badArgsTags(tag);
      await expect(call).rejects.toBeInstanceOf(CacheError);
      await expect(call).rejects.toThrow(message);
      expect(count('badArgsTags')).toBe(0);
      expect(await db.redis.dbsize()).toBe(0);
    },
  );

  it('bad tags from the result: the call fails with a CacheError and nothing is stored, so the next call runs again', async () => {
    await expect(catalog.badResultTags()).rejects.toThrow(CacheError);
    await expect(catalog.badResultTags()).rejects.toThrow(/"has a space" may hold printable ASCII only/);
    expect(count('badResultTags')).toBe(2);
    expect(await db.redis.exists('tagged:bad-result')).toBe(0);
  });

  it('a tags function that throws fails the call with a CacheError naming the method, not counted as a Redis failure', async () => {
    const errorsBefore = await metricValue('cache_errors_total', { namespace: 'tagged' });
    const call = catalog.throwingTags();
    await expect(call).rejects.toBeInstanceOf(CacheError);
    await expect(call).rejects.toThrow(/the tags function of CatalogService\.throwingTags threw: Cannot read properties of undefined/);
    expect(await db.redis.exists('tagged:throwing-tags')).toBe(0);
    expect(await metricValue('cache_errors_total', { namespace: 'tagged' })).toBe(errorsBefore);
  });

  it('a failing tag invalidation is logged, not thrown: the method returns, and its keys are still removed', async () => {
    await cache.set('plain:7', 'stale');
    expect(await catalog.badInvalidation('7')).toBe('7');
    expect(await db.redis.exists('tagged:plain:7')).toBe(0);
    expect(logger.warnings).toEqual([
      expect.stringMatching(/@CacheInvalidate CatalogService\.badInvalidation could not invalidate tags: .*"product 7"/),
    ]);
  });
});

describe('tags on the method decorators with Redis stopped', () => {
  const logger = warningCollector();
  let server: RedisServer;
  let module: TestingModule;

  beforeAll(async () => {
    server = await RedisServer.start();
    module = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: 'tagged-down', redis: { url: server.url }, operationTimeout: 200 })],
      providers: [CatalogService],
    })
      .setLogger(logger)
      .compile();
    await module.init();
    await server.stop('SIGKILL');
  });

  afterAll(async () => {
    await module.close();
    await server.dispose();
  });

  beforeEach(() => {
    resetTable();
    calls.clear();
  });

  it('@Cacheable with tags runs the method; @CacheInvalidate({ tags, resultTags }) returns its value, the failure counted and logged', async () => {
    const catalog = module.get(CatalogService);
    const errorsBefore = await metricValue('cache_errors_total', { namespace: 'tagged-down' });
    expect(await catalog.item('1')).toMatchObject({ price: 10 });
    expect(await catalog.detail('1')).toMatchObject({ category: 'office' });
    expect(await catalog.remove('2')).toMatchObject({ id: '2' });
    expect(
      await metricValue('cache_operations_total', { namespace: 'tagged-down', operation: 'invalidate', status: 'error' }),
    ).toBeGreaterThan(0);
    expect(await metricValue('cache_errors_total', { namespace: 'tagged-down' })).toBeGreaterThan(errorsBefore);
    expect(logger.warnings.some((line) => /@CacheInvalidate CatalogService\.remove could not invalidate tags/.test(line))).toBe(true);
  });
});

describe('tag options that cannot work', () => {
  /** Defines a class with one method under `decorator`: what happens when a module holding it is imported, before any boot. */
  const define = (decorator: MethodDecorator) => () => {
    class Catalog {
      @decorator
      find() {
        return 1;
      }
    }
    return Catalog;
  };

  it.each([
    ['a static array', ['product:1']],
    ['a string', 'product:1'],
    ['{ fromResult } without a function', { fromResult: ['product:1'] }],
    ['an object without fromResult', { fromValue: () => ['product:1'] }],
  ])('@Cacheable / @CachePut tags as %s throw at class definition, naming the class and method', (_label, tags) => {
    const message = /option "tags" must be a function of the arguments or \{ fromResult: function of the result \}/;
    expect(define(Cacheable({ tags: tags as unknown as CacheableTags }))).toThrow(CacheError);
    expect(define(Cacheable({ tags: tags as unknown as CacheableTags }))).toThrow(/^configure: @Cacheable on Catalog\.find: /);
    expect(define(Cacheable({ tags: tags as unknown as CacheableTags }))).toThrow(message);
    expect(define(CachePut({ tags: tags as unknown as CacheableTags }))).toThrow(/@CachePut on Catalog\.find: option "tags"/);
  });

  it('@CacheInvalidate tags and resultTags must be functions; tags alone are enough', () => {
    expect(define(CacheInvalidate({ tags: ['product:1'] as never }))).toThrow(
      /@CacheInvalidate on Catalog\.find: option "tags" must be a function, got an array/,
    );
    expect(define(CacheInvalidate({ resultTags: 'category:1' as never }))).toThrow(
      /@CacheInvalidate on Catalog\.find: option "resultTags" must be a function, got string/,
    );
    expect(() => CacheInvalidate({})).toThrow(/needs "keys", "resultKeys", "tags", "resultTags" or "all: true"/);
    expect(define(CacheInvalidate({ tags: () => ['product:1'] }))).not.toThrow();
    expect(define(CacheInvalidate({ resultTags: () => ['product:1'] }))).not.toThrow();
    expect(define(Cacheable({ tags: { fromResult: () => [] } }))).not.toThrow();
  });
});
