import 'reflect-metadata';
import { Controller, Get, Injectable, Param, Scope } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { Test, type TestingModule } from '@nestjs/testing';
import request from 'supertest';
import { Cacheable, CacheError, CacheInvalidate, CacheModule, CachePut } from '@datapunk/nestjs-cache';
import { useRedisServer } from '../support/redis-fixture.js';
import { storedValue } from '../support/stored-entry.js';

/** Counts calls by method name, so a test can see whether the real method ran. */
const calls = new Map<string, number>();
const ran = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
const count = (name: string) => calls.get(name) ?? 0;

/** A second, unrelated method decorator, to prove ours composes with others. */
function Audited(log: string[]): MethodDecorator {
  return (_target, propertyKey, descriptor: PropertyDescriptor) => {
    const inner = descriptor.value as (...args: unknown[]) => unknown;
    descriptor.value = function (this: unknown, ...args: unknown[]) {
      log.push(String(propertyKey));
      return inner.apply(this, args);
    };
    return descriptor;
  };
}
const auditLog: string[] = [];

@Injectable()
class ProductsService {
  readonly source = 'db';

  @Cacheable({ key: (id: string) => `product:${id}`, ttl: '10m' })
  async findOne(id: string) {
    ran('findOne');
    return { id, from: this.source };
  }

  @Cacheable()
  search(filter: { tags: string[]; since: Date; page: number }) {
    ran('search'); // synchronous on purpose: the decorated method becomes async
    return [`${filter.tags.join('+')}@${filter.page}`];
  }

  @Cacheable({ key: (id: string) => `maybe:${id}`, nullTtl: 1000 })
  async maybe(id: string) {
    ran('maybe');
    return id === 'none' ? null : id === 'skip' ? undefined : id;
  }

  @Cacheable({ key: (id: string) => `nonull:${id}`, cacheNull: false })
  async noNull(_id: string) {
    ran('noNull');
    return null;
  }

  @Cacheable({
    key: (id: string) => `cond:${id}`,
    condition: (id: string) => !id.startsWith('live'),
    unless: (r: { stale?: boolean }) => r.stale === true,
  })
  async conditional(id: string) {
    ran('conditional');
    return { id, stale: id.startsWith('stale') };
  }

  @Cacheable({ key: 'failing' })
  async failing(): Promise<string> {
    ran('failing');
    throw new RangeError('db exploded');
  }

  @Cacheable({ key: 'other-ns', namespace: 'catalog' })
  async inOtherNamespace() {
    return 'x';
  }

  @Audited(auditLog)
  @Cacheable({ key: (id: string) => `audited-above:${id}` })
  async auditedAbove(id: string) {
    ran('auditedAbove');
    return id;
  }

  @Cacheable({ key: (id: string) => `audited-below:${id}` })
  @Audited(auditLog)
  async auditedBelow(id: string) {
    ran('auditedBelow');
    return id;
  }

  @CacheInvalidate({ keys: (id: string) => [`product:${id}`] })
  async update(id: string, fail = false) {
    if (fail) throw new Error('update failed');
    return { id };
  }

  @CacheInvalidate({ keys: ['product:1'], before: true })
  async updateBefore(fail: boolean) {
    if (fail) throw new Error('update failed');
    return true;
  }

  @CacheInvalidate({ resultKeys: (result: { id: string }) => `product:${result.id}` })
  async create() {
    return { id: '9' };
  }

  @CacheInvalidate({ all: true })
  async reset() {
    return 'reset';
  }

  @CachePut({ key: (id: string) => `product:${id}` })
  async refresh(id: string) {
    ran('refresh');
    return { id, from: 'refreshed' };
  }
}

@Injectable({ scope: Scope.REQUEST })
class PerRequestService {
  @Cacheable({ key: 'per-request' })
  async load() {
    ran('perRequest');
    return 'request-scoped value';
  }
}

/** Provided through useFactory / useValue: Nest's wrapper then names the factory (or nothing), not this class. */
class ReportsRepository {
  @Cacheable({ key: (month: string) => `report:${month}` })
  async monthly(month: string) {
    ran('monthly');
    return { month };
  }
}
const sharedReports = new ReportsRepository();

@Controller('items')
class ItemsController {
  @Get(':id')
  @Cacheable({ key: (id: string) => `item:${id}` })
  async item(@Param('id') id: string) {
    ran('item');
    return { id };
  }

  // The route decorator below ours: its metadata is on the original method, which ours must carry over.
  @Cacheable({ key: (id: string) => `detail:${id}` })
  @Get(':id/detail')
  async detail(@Param('id') id: string) {
    ran('detail');
    return { id, detail: true };
  }
}

describe('@Cacheable, @CacheInvalidate, @CachePut', () => {
  const db = useRedisServer();
  let module: TestingModule;
  let products: ProductsService;

  beforeAll(async () => {
    module = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: 'shop', redis: { url: db.server.url } })],
      providers: [
        ProductsService,
        PerRequestService,
        { provide: 'REPORTS', useFactory: () => new ReportsRepository() },
        { provide: 'SHARED_REPORTS', useValue: sharedReports },
      ],
      controllers: [ItemsController],
    }).compile();
    await module.init();
    products = module.get(ProductsService);
  });

  afterAll(async () => {
    await module.close();
  });

  beforeEach(async () => {
    calls.clear();
    auditLog.length = 0;
    await db.redis.flushdb();
  });

  it('caches a service method under its key, keeping `this`', async () => {
    expect(await products.findOne('1')).toEqual({ id: '1', from: 'db' });
    expect(await products.findOne('1')).toEqual({ id: '1', from: 'db' });
    expect(count('findOne')).toBe(1);
    expect(await storedValue(db.redis, 'shop:product:1')).toEqual({ id: '1', from: 'db' });
    const ttl = await db.redis.pttl('shop:product:1');
    expect(ttl).toBeGreaterThan(9 * 60_000);
  });

  it('builds a default key that ignores property order and hashes Dates by value', async () => {
    const first = await products.search({ tags: ['a', 'b'], since: new Date('2026-01-01T00:00:00Z'), page: 1 });
    const second = await products.search({ page: 1, since: new Date('2026-01-01T00:00:00Z'), tags: ['a', 'b'] });
    expect(second).toEqual(first);
    expect(count('search')).toBe(1);
    await products.search({ page: 1, since: new Date('2026-01-02T00:00:00Z'), tags: ['a', 'b'] });
    expect(count('search')).toBe(2);
    const keys = await db.redis.keys('shop:ProductsService.search:*');
    expect(keys).toHaveLength(2);
  });

  it('stores null (with nullTtl) but never undefined', async () => {
    expect(await products.maybe('none')).toBeNull();
    expect(await products.maybe('none')).toBeNull();
    expect(count('maybe')).toBe(1);
    expect(await db.redis.pttl('shop:maybe:none')).toBeLessThanOrEqual(1000);
    expect(await products.maybe('skip')).toBeUndefined();
    expect(await products.maybe('skip')).toBeUndefined();
    expect(count('maybe')).toBe(3);
    expect(await db.redis.exists('shop:maybe:skip')).toBe(0);
  });

  it('does not store null when cacheNull is false', async () => {
    await products.noNull('1');
    await products.noNull('1');
    expect(count('noNull')).toBe(2);
  });

  it('honours condition (before the call) and unless (on the result)', async () => {
    await products.conditional('live-1');
    await products.conditional('live-1');
    expect(count('conditional')).toBe(2);
    expect(await db.redis.exists('shop:cond:live-1')).toBe(0);
    await products.conditional('stale-1');
    expect(await db.redis.exists('shop:cond:stale-1')).toBe(0);
    await products.conditional('ok-1');
    await products.conditional('ok-1');
    expect(count('conditional')).toBe(4);
  });

  it('passes thrown errors through unchanged and never caches them', async () => {
    await expect(products.failing()).rejects.toThrow(RangeError);
    await expect(products.failing()).rejects.toThrow('db exploded');
    expect(count('failing')).toBe(2);
    expect(await db.redis.exists('shop:failing')).toBe(0);
  });

  it('uses the namespace the decorator names', async () => {
    await products.inOtherNamespace();
    expect(await db.redis.exists('catalog:other-ns')).toBe(1);
  });

  it('composes with another decorator above or below it', async () => {
    await products.auditedAbove('a');
    await products.auditedAbove('a');
    await products.auditedBelow('b');
    await products.auditedBelow('b');
    expect(auditLog).toEqual(['auditedAbove', 'auditedAbove', 'auditedBelow']);
    expect(count('auditedAbove')).toBe(1);
    expect(count('auditedBelow')).toBe(1);
  });

  it('works on a controller method and keeps its route metadata and name', async () => {
    const controller = module.get(ItemsController);
    expect(Reflect.getMetadata(PATH_METADATA, ItemsController.prototype.item)).toBe(':id');
    expect(ItemsController.prototype.item.name).toBe('item');
    await controller.item('7');
    await controller.item('7');
    expect(count('item')).toBe(1);
  });

  it('works on providers made by useFactory and useValue', async () => {
    const fromFactory = module.get<ReportsRepository>('REPORTS');
    expect(await fromFactory.monthly('2026-10')).toEqual({ month: '2026-10' });
    expect(await fromFactory.monthly('2026-10')).toEqual({ month: '2026-10' });
    expect(await module.get<ReportsRepository>('SHARED_REPORTS').monthly('2026-10')).toEqual({ month: '2026-10' });
    expect(count('monthly')).toBe(1);
  });

  it('works on a controller over HTTP, with the route decorator above or below it', async () => {
    // Its own app: closing an app closes its module, and the suite's module must stay open.
    const httpModule = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: 'shop', redis: { url: db.server.url } })],
      controllers: [ItemsController],
    }).compile();
    const app = httpModule.createNestApplication();
    await app.init();
    try {
      for (let i = 0; i < 2; i++) {
        await request(app.getHttpServer()).get('/items/5').expect(200, { id: '5' });
        await request(app.getHttpServer()).get('/items/5/detail').expect(200, { id: '5', detail: true });
      }
      expect(count('item')).toBe(1);
      expect(count('detail')).toBe(1);
      expect(await db.redis.exists('shop:item:5', 'shop:detail:5')).toBe(2);
    } finally {
      await app.close();
    }
  });

  it('works on a request-scoped provider', async () => {
    const first = await module.resolve(PerRequestService);
    const second = await module.resolve(PerRequestService);
    expect(first).not.toBe(second);
    expect(await first.load()).toBe('request-scoped value');
    expect(await second.load()).toBe('request-scoped value');
    expect(count('perRequest')).toBe(1);
  });

  it('fails clearly on an instance created outside Nest DI', async () => {
    await expect(new ProductsService().findOne('1')).rejects.toThrow(CacheError);
    await expect(new ProductsService().findOne('1')).rejects.toThrow(/outside|no CacheModule knows/);
  });

  it('invalidates after the method succeeds, not when it throws', async () => {
    await products.findOne('1');
    await expect(products.update('1', true)).rejects.toThrow('update failed');
    expect(await db.redis.exists('shop:product:1')).toBe(1);
    await products.update('1');
    expect(await db.redis.exists('shop:product:1')).toBe(0);
  });

  it('invalidates before the method with before: true, even when it then throws', async () => {
    await products.findOne('1');
    await expect(products.updateBefore(true)).rejects.toThrow();
    expect(await db.redis.exists('shop:product:1')).toBe(0);
  });

  it('invalidates keys computed from the result, or the whole namespace', async () => {
    await products.findOne('9');
    await products.findOne('8');
    await db.redis.set('elsewhere:keep', '1');
    await products.create();
    expect(await db.redis.exists('shop:product:9')).toBe(0);
    expect(await db.redis.exists('shop:product:8')).toBe(1);
    await products.reset();
    expect(await db.redis.keys('*')).toEqual(['elsewhere:keep']);
  });

  it('@CachePut always runs the method and stores its result', async () => {
    await products.findOne('1');
    expect(await products.refresh('1')).toEqual({ id: '1', from: 'refreshed' });
    expect(await products.refresh('1')).toEqual({ id: '1', from: 'refreshed' });
    expect(count('refresh')).toBe(2);
    expect(await products.findOne('1')).toEqual({ id: '1', from: 'refreshed' });
    expect(count('findOne')).toBe(1);
  });

  it('refuses a decorator configuration that cannot work, at class definition', () => {
    expect(() => Cacheable({ ttl: 0 })).toThrow(/@Cacheable option "ttl" must be positive/);
    expect(() => CacheInvalidate({})).toThrow(/needs "keys"/);
    expect(() => Cacheable({ namespace: '' })).toThrow(/@Cacheable option "namespace" must be a non-empty string/);
    expect(() => CacheInvalidate({ all: true, namespace: 'a b' })).toThrow(/@CacheInvalidate option "namespace"/);
  });
});
