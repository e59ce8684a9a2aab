import 'reflect-metadata';
import {
  Controller,
  Get,
  HttpCode,
  Injectable,
  NotFoundException,
  Param,
  Post,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import request from 'supertest';
import { CacheError, CacheInterceptor, CacheInvalidate, CacheManager, CacheModule, CacheTags } from '@datapunk/nestjs-cache';
import { warningCollector } from '../support/cache-app.js';
import { RedisServer } from '../support/redis-server.js';
import { HTTP_PLATFORMS, startHttpApp } from '../support/http-platforms.js';

let handled = 0;

/** The route parameter a tags function reads (Express and Fastify requests both carry `params`). */
const param = (context: ExecutionContext, name: string): string =>
  context.switchToHttp().getRequest<{ params: Record<string, string> }>().params[name];

@Injectable()
class CatalogWrites {
  /** A write in a service: its @CacheInvalidate drops the HTTP pages tagged with the category. */
  @CacheInvalidate({ tags: (category: string) => [`category:${category}`] })
  async addItem(category: string) {
    return { added: category };
  }
}

@Controller('shop')
class ShopController {
  constructor(private readonly writes: CatalogWrites) {}

  @Get('categories/:category')
  @CacheTags((context: ExecutionContext) => [`category:${param(context, 'category')}`])
  category(@Param('category') category: string) {
    return { category, n: ++handled };
  }

  @Post('categories/:category/items')
  @HttpCode(200)
  addItem(@Param('category') category: string) {
    return this.writes.addItem(category);
  }

  /** A product page tagged with its id: unknown ids (anyone can make up one) are 404s, never stored. */
  @Get('products/:id')
  @CacheTags((context: ExecutionContext) => [`product:${param(context, 'id')}`])
  product() {
    ++handled;
    throw new NotFoundException();
  }

  @Get('home')
  @CacheTags('home', 'category:office')
  home() {
    return { n: ++handled };
  }

  @Get('async-tags')
  @CacheTags(async () => ['from-a-promise'])
  asyncTags() {
    return { n: ++handled };
  }

  @Get('raw/:tag')
  @CacheTags((context: ExecutionContext) => [param(context, 'tag')]) // user input as a tag: "a b" breaks the rules
  raw() {
    return { n: ++handled };
  }

  @Get('throwing-tags')
  @CacheTags(() => {
    throw new Error('no tenant on this request');
  })
  throwingTags() {
    return { n: ++handled };
  }
}

@Controller('brands')
@CacheTags('brands')
class BrandsController {
  @Get()
  list() {
    return { n: ++handled };
  }

  @Get('acme')
  @CacheTags('brand:acme') // the route's own tags replace the controller's, as for every other route setting
  acme() {
    return { n: ++handled };
  }
}

describe.each(HTTP_PLATFORMS)('@CacheTags on the CacheInterceptor (%s, a real Redis)', (_platform, makeAdapter) => {
  const logger = warningCollector();
  let server: RedisServer;
  let redis: Redis;
  let app: INestApplication;
  let cache: CacheManager;

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new Redis(server.port, '127.0.0.1');
    const module = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: 'web-tags', redis: { url: server.url } })],
      controllers: [ShopController, BrandsController],
      providers: [CatalogWrites, { provide: APP_INTERCEPTOR, useClass: CacheInterceptor }],
    })
      .setLogger(logger)
      .compile();
    app = await startHttpApp(module, makeAdapter);
    cache = app.get(CacheManager);
  });

  afterAll(async () => {
    await app.close();
    redis.disconnect();
    await server.dispose();
  });

  beforeEach(async () => {
    await redis.flushdb();
    handled = 0;
    logger.warnings.length = 0;
  });

  const http = () => request(app.getHttpServer());
  const xCache = async (path: string) => (await http().get(path).expect(200)).headers['x-cache'];

  it('tags from a function of the context: invalidateTags drops the pages carrying the tag, and only those', async () => {
    expect([await xCache('/shop/categories/office'), await xCache('/shop/categories/office')]).toEqual(['MISS', 'HIT']);
    expect(await xCache('/shop/categories/audio')).toBe('MISS');
    await cache.invalidateTags('category:office');
    expect(await xCache('/shop/categories/office')).toBe('MISS');
    expect(await xCache('/shop/categories/audio')).toBe('HIT');
    expect(handled).toBe(3);
  });

  it('a service method with @CacheInvalidate({ tags }) drops the tagged HTTP pages', async () => {
    await xCache('/shop/categories/office');
    await http().post('/shop/categories/office/items').expect(200, { added: 'office' });
    expect(await xCache('/shop/categories/office')).toBe('MISS');
  });

  it('static tags: invalidating any one of them drops the page', async () => {
    expect([await xCache('/shop/home'), await xCache('/shop/home')]).toEqual(['MISS', 'HIT']);
    await cache.invalidateTags('home');
    expect([await xCache('/shop/home'), await xCache('/shop/home')]).toEqual(['MISS', 'HIT']);
    await cache.invalidateTags(['category:audio', 'category:office']);
    expect(await xCache('/shop/home')).toBe('MISS');
  });

  it('awaits a tags function that returns a promise', async () => {
    expect([await xCache('/shop/async-tags'), await xCache('/shop/async-tags')]).toEqual(['MISS', 'HIT']);
    await cache.invalidateTags('from-a-promise');
    expect(await xCache('/shop/async-tags')).toBe('MISS');
  });

  it("tags on the controller tag its routes; a route's own @CacheTags replace them", async () => {
    await xCache('/brands');
    await xCache('/brands/acme');
    await cache.invalidateTags('brands');
    expect([await xCache('/brands'), await xCache('/brands/acme')]).toEqual(['MISS', 'HIT']);
    await cache.invalidateTags('brand:acme');
    expect(await xCache('/brands/acme')).toBe('MISS');
  });

  it('a 404 on a tagged route creates no tag token: 100 requests for 100 made-up ids leave no new key', async () => {
    expect([await xCache('/shop/categories/office'), await xCache('/shop/categories/office')]).toEqual(['MISS', 'HIT']);
    const before = (await redis.keys('*')).sort(); // a stored page: its entry, its tag's token, the namespace's epoch
    for (let id = 0; id < 100; id++) await http().get(`/shop/products/${id}`).expect(404);
    expect(handled).toBe(101);
    expect((await redis.keys('*')).sort()).toEqual(before);
  });

  it("from a cold start, 404s on a tagged route leave no tag token (at most the namespace's one epoch key, 60 s)", async () => {
    for (let id = 0; id < 100; id++) await http().get(`/shop/products/${id}`).expect(404);
    expect((await redis.keys('*')).filter((key) => key !== 'web-tags:__tag-epoch__')).toEqual([]);
  });

  it.each([
    [
      'returns a tag that breaks the rules',
      '/shop/raw/a%20b',
      /@CacheTags of ShopController\.raw: .*"a b" may hold printable ASCII only.*; serving uncached/,
    ],
    ['throws', '/shop/throwing-tags', /@CacheTags of ShopController\.throwingTags: no tenant on this request; serving uncached/],
  ])('a tags function that %s leaves the request uncached (as an invalid @CacheTTL does), logged', async (_label, path, warning) => {
    const first = await http().get(path).expect(200);
    const second = await http().get(path).expect(200);
    expect(second.body.n).not.toBe(first.body.n);
    expect([first.headers['x-cache'], second.headers['x-cache']]).toEqual([undefined, undefined]);
    expect(await redis.dbsize()).toBe(0);
    expect(logger.warnings).toEqual([expect.stringMatching(warning)]); // the second line is rate-limited
  });
});

describe('@CacheTags that cannot work', () => {
  const route = (decorator: MethodDecorator) => () => {
    class PagesController {
      @decorator
      page() {
        return 1;
      }
    }
    return PagesController;
  };

  it.each([
    ['no tag', () => CacheTags(), /takes one or more tags, or a single function of the context/],
    ['a tag with a space', () => CacheTags('a b'), /"a b" may hold printable ASCII only, without spaces/],
    ['a tag with braces', () => CacheTags('{x}'), /without spaces, "\{" or "\}"/],
    ['more than 8 tags', () => CacheTags(...Array.from({ length: 9 }, (_, i) => `t${i}`)), /at most 8 tags at once, got 9/],
    ['a function among tags', () => CacheTags(...(['a', () => ['b']] as unknown as string[])), /a single function of the context/],
  ])('%s throws at class definition, naming the class and route', (_label, decorator, message) => {
    expect(route(decorator())).toThrow(CacheError);
    expect(route(decorator())).toThrow(/^configure: @CacheTags on PagesController\.page: /);
    expect(route(decorator())).toThrow(message);
  });

  it('names the class when on a controller', () => {
    expect(() => {
      @CacheTags('')
      class PagesController {}
      return PagesController;
    }).toThrow(/^configure: @CacheTags on PagesController: tag length must be 1\.\.128, got 0/);
  });
});
