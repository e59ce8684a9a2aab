import 'reflect-metadata';
import {
  Controller,
  Get,
  Inject,
  Injectable,
  SetMetadata,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { lastValueFrom, of } from 'rxjs';
import request from 'supertest';
import { Cache, CACHE_MANAGER, CacheInterceptor, CacheModule, CacheTTL } from '@datapunk/nestjs-cache';
import { useRedisServer } from '../support/redis-fixture.js';

/** The NestJS docs' HttpCacheInterceptor, as apps wrote it for @nestjs/cache-manager: it reads this.httpAdapterHost. */
@Injectable()
class HttpCacheInterceptor extends CacheInterceptor {
  excludePaths = ['/items/excluded'];

  override trackBy(context: ExecutionContext): string | undefined {
    const request = context.switchToHttp().getRequest();
    const { httpAdapter } = this.httpAdapterHost!;
    const isGetRequest = httpAdapter.getRequestMethod(request) === 'GET';
    if (!isGetRequest || this.excludePaths.includes(httpAdapter.getRequestUrl(request))) return undefined;
    return httpAdapter.getRequestUrl(request);
  }
}

const NO_CACHE = 'no-cache-route';

/** A subclass with its own constructor, reading route metadata through this.reflector in isRequestCacheable. */
@Injectable()
class OptOutCacheInterceptor extends CacheInterceptor {
  constructor(@Inject(CACHE_MANAGER) cacheManager: Cache, reflector: Reflector) {
    super(cacheManager, reflector);
  }

  protected override isRequestCacheable(context: ExecutionContext): boolean {
    return super.isRequestCacheable(context) && this.reflector.get<boolean>(NO_CACHE, context.getHandler()) !== true;
  }
}

@Controller('items')
class ItemsController {
  runs = 0;

  @Get('plain')
  @UseInterceptors(HttpCacheInterceptor)
  plain() {
    return { run: ++this.runs };
  }

  @Get('excluded')
  @UseInterceptors(HttpCacheInterceptor)
  excluded() {
    return { run: ++this.runs };
  }

  @Get('opted-out')
  @SetMetadata(NO_CACHE, true)
  @UseInterceptors(OptOutCacheInterceptor)
  optedOut() {
    return { run: ++this.runs };
  }

  @Get('opted-in')
  @CacheTTL(60_000)
  @UseInterceptors(OptOutCacheInterceptor)
  optedIn() {
    return { run: ++this.runs };
  }
}

describe('CacheInterceptor subclasses written for @nestjs/cache-manager (real Redis)', () => {
  let app: INestApplication;
  afterAll(async () => {
    await app?.close();
  });
  const db = useRedisServer();

  beforeAll(async () => {
    const module = await Test.createTestingModule({
      imports: [CacheModule.register({ namespace: 'subclass', redis: { url: db.server.url } })],
      controllers: [ItemsController],
      providers: [HttpCacheInterceptor, OptOutCacheInterceptor],
    }).compile();
    app = module.createNestApplication();
    await app.init();
  });

  const http = () => request(app.getHttpServer());

  it('the docs pattern reads this.httpAdapterHost: a route is cached under its URL, an excluded path is not', async () => {
    await http().get('/items/plain').expect('X-Cache', 'MISS');
    const hit = await http().get('/items/plain').expect('X-Cache', 'HIT');
    expect(await db.redis.exists('subclass:http:GET:127.0.0.1/items/plain')).toBe(1);
    const first = await http().get('/items/excluded').expect(200);
    const second = await http().get('/items/excluded').expect(200);
    expect(second.body.run).toBe(first.body.run + 1);
    expect(hit.body).toEqual({ run: 1 });
  });

  it('an overridden isRequestCacheable(context), reading this.reflector, is honoured', async () => {
    const first = await http().get('/items/opted-out').expect(200);
    const second = await http().get('/items/opted-out').expect(200);
    expect(second.body.run).toBe(first.body.run + 1);
    expect(second.headers['x-cache']).toBeUndefined();
    expect((await db.redis.keys('subclass:http:GET:*opted-out*')).length).toBe(0);
    await http().get('/items/opted-in').expect('X-Cache', 'MISS');
    await http().get('/items/opted-in').expect('X-Cache', 'HIT');
    expect(await db.redis.pttl('subclass:http:GET:127.0.0.1/items/opted-in')).toBeGreaterThan(50_000);
  });
});

/** A cache-manager `Cache` test double, as unit tests written for the peer provide it. */
function cacheDouble(stored: Record<string, unknown> = {}) {
  const calls: Array<[string, ...unknown[]]> = [];
  const double = {
    calls,
    get: async (key: string) => {
      calls.push(['get', key]);
      return stored[key];
    },
    set: async (key: string, value: unknown, ttl?: number) => {
      calls.push(['set', key, value, ttl]);
      stored[key] = value;
      return value;
    },
  };
  return double;
}

function httpContext(url: string, handler: () => unknown): ExecutionContext {
  const request = { method: 'GET', url, originalUrl: url, headers: { host: 'shop.test' } };
  return {
    getType: () => 'http',
    getHandler: () => handler,
    getClass: () => ItemsController,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({ setHeader: () => undefined }) }),
  } as unknown as ExecutionContext;
}

describe('unit tests that put a CACHE_MANAGER double in place of the cache', () => {
  it('a providers list with a CACHE_MANAGER double and Reflector resolves a subclass; intercept reads and writes the double', async () => {
    const double = cacheDouble({ 'http:GET:shop.test/items/cached': { from: 'cache' } });
    const module = await Test.createTestingModule({
      providers: [OptOutCacheInterceptor, Reflector, { provide: CACHE_MANAGER, useValue: double }],
    }).compile();
    const interceptor = module.get(OptOutCacheInterceptor);
    let runs = 0;
    const next: CallHandler = { handle: () => of({ run: ++runs }) };

    const hit = await lastValueFrom(await interceptor.intercept(httpContext('/items/cached', ItemsController.prototype.plain), next));
    expect(hit).toEqual({ from: 'cache' });
    expect(runs).toBe(0);

    const miss = await lastValueFrom(await interceptor.intercept(httpContext('/items/fresh', ItemsController.prototype.optedIn), next));
    expect(miss).toEqual({ run: 1 });
    expect(double.calls).toContainEqual(['set', 'http:GET:shop.test/items/fresh', { run: 1 }, 60_000]);
    await module.close();
  });

  it('overrideProvider(CACHE_MANAGER).useValue(double) on an app importing CacheModule: the interceptor resolves and uses the double', async () => {
    const double = cacheDouble();
    const module = await Test.createTestingModule({
      imports: [CacheModule.register()],
      controllers: [ItemsController],
      providers: [HttpCacheInterceptor, OptOutCacheInterceptor],
    })
      .overrideProvider(CACHE_MANAGER)
      .useValue(double)
      .compile();
    const app = module.createNestApplication();
    await app.init();
    try {
      await request(app.getHttpServer()).get('/items/plain').expect(200, { run: 1 });
      await request(app.getHttpServer()).get('/items/plain').expect(200, { run: 1 });
      // The key is trackBy's URL under the site (Host), as for the module's own cache.
      const key = 'http:GET:127.0.0.1/items/plain';
      expect(double.calls.map(([call, key]) => `${call} ${key}`)).toEqual([`get ${key}`, `set ${key}`, `get ${key}`]);
    } finally {
      await app.close();
    }
  });
});
