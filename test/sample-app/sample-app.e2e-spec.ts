/**
 * The built sample app (dist-sample/, compiled against the built dist/) as a real child process:
 * PrometheusModule is CommonJS that require()s the ESM-only NestJS 12, which Jest's module runtime
 * cannot load on Node 20, so the app must not be imported here. Build first:
 *   npm run build && tsc -p sample-app/tsconfig.json
 */
import request from 'supertest';
import type { Redis } from 'ioredis';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { waitUntil } from '../support/wait-until.js';
import { assertSampleAppBuilt, SampleAppProcess } from '../support/sample-app-process.js';
import { storedValue } from '../support/stored-entry.js';

const KEYBOARD = { id: 1, name: 'Keyboard', price: 49 };
const MOUSE = { id: 2, name: 'Mouse', price: 19 };
const MONITOR = { id: 3, name: 'Monitor', price: 199 };
const CATALOG_KEYBOARD = { id: 1, title: 'Mechanical keyboard', tags: ['office', 'bestseller'], price: 89 };
const CATALOG_MOUSE = { id: 2, title: 'Wireless mouse', tags: ['office'], price: 29 };

/** The `cache` label of each lookup site: CacheManager calls, decorated methods (Class.method), interceptor routes (Controller.handler). */
const DIRECT = 'direct';
const FIND_ONE = 'CatalogService.findOne';
const SEARCH = 'CatalogService.search';
const FEATURED = 'StorefrontController.featured';
const CATEGORY = 'StorefrontController.category';
const RECOMMENDATIONS = 'StorefrontController.recommendations';
/** The sample's demo guard lets in requests whose X-Admin-Token equals ADMIN_TOKEN. */
const ADMIN_TOKEN = 'e2e-admin-token';
/** Pages cached per caller are keyed with it (unset, the app warns once: the "logged no errors" tests would see it). */
const CACHE_VARY_SECRET = 'e2e-vary-secret-of-32-bytes-long';

interface Lookups {
  hits: number;
  misses: number;
}

/** Scrapes /metrics and reads the sample namespace's counters (0 for a series not yet created). */
async function cacheCounters(app: SampleAppProcess) {
  const response = await request(app.url).get('/metrics').expect(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain/);
  const samples = parsePrometheusText(response.text);
  const value = (name: string, labels: Record<string, string>) => sampleValue(samples, name, { namespace: 'sample', ...labels }) ?? 0;
  const lookups = (cache: string): Lookups => ({
    hits: value('cache_hits_total', { cache }),
    misses: value('cache_misses_total', { cache }),
  });
  return {
    ...lookups(DIRECT),
    lookups,
    operation: (operation: string, status = 'ok') => value('cache_operations_total', { operation, status }),
  };
}

/** Runs `action`; returns its result and the hits and misses counted under the `cache` label meanwhile. */
async function counted<T>(app: SampleAppProcess, cache: string, action: () => PromiseLike<T>): Promise<[T, Lookups]> {
  const before = (await cacheCounters(app)).lookups(cache);
  const result = await action();
  const after = (await cacheCounters(app)).lookups(cache);
  return [result, { hits: after.hits - before.hits, misses: after.misses - before.misses }];
}

/** A fresh entry's remaining time to live: at most `ttlMs`, and not much less (the test is quick). */
function expectFreshTtl(pttl: number, ttlMs: number): void {
  expect(pttl).toBeGreaterThan(ttlMs * 0.8);
  expect(pttl).toBeLessThanOrEqual(ttlMs);
}

/** A redis-server, a raw client on it, and the built sample app running against it, for one describe block. */
function useSampleApp(): { readonly redis: Redis; readonly app: SampleAppProcess } {
  const db = useRedisServer();
  let app: SampleAppProcess | undefined;
  beforeAll(async () => {
    assertSampleAppBuilt();
    app = await SampleAppProcess.start({ REDIS_URL: db.server.url, ADMIN_TOKEN, CACHE_VARY_SECRET });
    await app.warmed(); // its background warmer writes "sample:price:*" keys: wait, so the tests that count keys do not race it
  });
  afterAll(async () => {
    await app?.kill();
  });
  return {
    get redis() {
      return db.redis;
    },
    get app() {
      if (!app) throw new Error('the sample app is not running (beforeAll failed)');
      return app;
    },
  };
}

describe('sample app (built, as a child process) on a real Redis', () => {
  const sample = useSampleApp();

  /** Redis clients other than this test's own connection: the app's. */
  async function otherClients(): Promise<number> {
    const ownId = await sample.redis.client('ID');
    const lines = ((await sample.redis.client('LIST')) as string).split('\n').filter((line) => line.startsWith('id='));
    return lines.filter((line) => !line.startsWith(`id=${ownId} `)).length;
  }

  it('loads a product once, stores it under "sample:", then serves it from Redis', async () => {
    const before = await cacheCounters(sample.app);
    expect([before.hits, before.misses]).toEqual([0, 0]);

    await request(sample.app.url).get('/products/1').expect(200, KEYBOARD);
    const afterMiss = await cacheCounters(sample.app);
    expect([afterMiss.hits, afterMiss.misses]).toEqual([0, 1]);
    expect(await storedValue(sample.redis, 'sample:product:1')).toEqual(KEYBOARD);
    const pttl = await sample.redis.pttl('sample:product:1');
    expect(pttl).toBeGreaterThan(4 * 60_000); // the sample's default TTL, '5m'
    expect(pttl).toBeLessThanOrEqual(5 * 60_000);

    await request(sample.app.url).get('/products/1').expect(200, KEYBOARD);
    const afterHit = await cacheCounters(sample.app);
    expect([afterHit.hits, afterHit.misses]).toEqual([1, 1]);
    expect(afterHit.operation('getOrSet')).toBe(2);
  });

  it('PUT updates the database and invalidates the cached copy', async () => {
    const before = await cacheCounters(sample.app);
    await request(sample.app.url)
      .put('/products/1')
      .send({ price: 59 })
      .expect(200, { ...KEYBOARD, price: 59 });
    expect(await sample.redis.exists('sample:product:1')).toBe(0);
    expect((await cacheCounters(sample.app)).operation('invalidate')).toBe(before.operation('invalidate') + 1);

    await request(sample.app.url)
      .get('/products/1')
      .expect(200, { ...KEYBOARD, price: 59 });
    const after = await cacheCounters(sample.app);
    expect(after.misses).toBe(before.misses + 1);
    expect(await storedValue(sample.redis, 'sample:product:1')).toEqual({ ...KEYBOARD, price: 59 });
  });

  it('GET /products?ids= reads many keys in one mget and caches the misses', async () => {
    const before = await cacheCounters(sample.app);
    await request(sample.app.url)
      .get('/products?ids=1,2,3,99')
      .expect(200, [{ ...KEYBOARD, price: 59 }, MOUSE, MONITOR, null]);
    const after = await cacheCounters(sample.app);
    expect(after.operation('mget')).toBe(before.operation('mget') + 1);
    expect([after.hits - before.hits, after.misses - before.misses]).toEqual([1, 3]);
    expect(await sample.redis.exists('sample:product:2', 'sample:product:3', 'sample:product:99')).toBe(3);
    await request(sample.app.url).get('/products?ids=1,x').expect(400);
  });

  it('answers 404 for an unknown product', async () => {
    await request(sample.app.url).get('/products/404').expect(404);
  });

  it('GET /health is up through Terminus; the operations endpoint answers only with the X-Admin-Token', async () => {
    const health = await request(sample.app.url).get('/health').expect(200);
    expect(health.body).toMatchObject({ status: 'ok', details: { cache: { status: 'up', store: 'redis', circuit: 'closed' } } });
    expect(health.body.details.cache.pingMs).toEqual(expect.any(Number));

    await request(sample.app.url).get('/cache/stats').expect(401);
    await request(sample.app.url).get('/cache/stats').set('X-Admin-Token', 'guess').expect(403);
    const stats = await request(sample.app.url).get('/cache/stats').set('X-Admin-Token', ADMIN_TOKEN).expect(200);
    expect(stats.body).toMatchObject({ namespace: 'sample', circuit: 'closed' });
    expect(stats.body.hits).toBeGreaterThan(0);

    expect(await sample.redis.exists('sample:product:2')).toBe(1);
    await request(sample.app.url).delete('/cache/keys/product:2').set('X-Admin-Token', ADMIN_TOKEN).expect(200, { removed: 1 });
    expect(await sample.redis.exists('sample:product:2')).toBe(0);
    await request(sample.app.url)
      .post('/cache/invalidate')
      .set('X-Admin-Token', ADMIN_TOKEN)
      .send({ tags: ['a tag'] })
      .expect(400);
  });

  it('DELETE /cache and POST /prices/database/:state refuse callers without the X-Admin-Token, and change nothing', async () => {
    const keys = (await sample.redis.keys('sample:*')).sort();
    expect(keys.length).toBeGreaterThan(0);
    for (const token of [undefined, 'guess']) {
      const status = token === undefined ? 401 : 403;
      await request(sample.app.url)
        .delete('/cache')
        .set(token === undefined ? {} : { 'X-Admin-Token': token })
        .expect(status);
      await request(sample.app.url)
        .post('/prices/database/off')
        .set(token === undefined ? {} : { 'X-Admin-Token': token })
        .expect(status);
    }
    expect((await sample.redis.keys('sample:*')).sort()).toEqual(keys);
    expect((await request(sample.app.url).get('/prices/database').expect(200)).body.up).toBe(true);
  });

  it('DELETE /cache (with the X-Admin-Token) removes the "sample:" keys and nothing else', async () => {
    await sample.redis.set('other-service:keep', '1');
    const keys = await sample.redis.keys('sample:*');
    expect(keys.length).toBeGreaterThan(0);
    await request(sample.app.url).delete('/cache').set('X-Admin-Token', ADMIN_TOKEN).expect(200, { removed: keys.length });
    // Apart from the in-process tier's heartbeats in `sample-hot` (short-lived keys of another namespace).
    expect((await sample.redis.keys('*')).filter((key) => !key.startsWith('sample-hot:__l1-lease__:'))).toEqual(['other-service:keep']);
  });

  it('shuts down cleanly on SIGTERM: exit code 0 and its Redis connection closed', async () => {
    expect(await otherClients()).toBeGreaterThanOrEqual(1);
    const exit = await sample.app.stop('SIGTERM', 10_000);
    expect(exit).toEqual({ code: 0, signal: null });
    await waitUntil("the app's Redis client closing", 5_000, async () => (await otherClients()) === 0);
    expect(sample.app.logs).not.toMatch(/ERROR/);
  });
});

describe('sample app (built, as a child process): a namespace with its own serializer and compression', () => {
  const sample = useSampleApp();

  it('GET /reports/daily stores the report with msgpack, compressed, and serves it back with its Dates and Map', async () => {
    const first = await request(sample.app.url).get('/reports/daily').expect(200);
    expect(first.body).toMatchObject({ loaded: true, typesKept: { generatedAt: true, totalsByRegion: true }, orders: 400 });
    const second = await request(sample.app.url).get('/reports/daily').expect(200);
    expect(second.body).toEqual({ ...first.body, loaded: false });
    const entry = (await sample.redis.getBuffer('sample-reports:daily'))!;
    expect(entry[0]).toBe(0x81); // format version 1
    expect(entry[1] & 0x0f).toBe(1); // msgpack
    expect(entry[1] >> 4).toBe(5); // deflate
    const decodedLength = entry.readUInt32BE(20);
    expect(entry.length - 24).toBeLessThan(decodedLength / 2); // ~18 KB of msgpack stored in ~6 KB
  });
});

describe('sample app (built, as a child process): method decorators and the CacheInterceptor on a real Redis', () => {
  const sample = useSampleApp();
  const http = () => request(sample.app.url);

  it('@Cacheable({ key, ttl: "10m" }): a miss stores "catalog:item:1" for 10 minutes, then hits serve that copy', async () => {
    const [first, miss] = await counted(sample.app, FIND_ONE, () => http().get('/catalog/items/1').expect(200));
    expect(miss).toEqual({ hits: 0, misses: 1 });
    expect(first.body).toMatchObject(CATALOG_KEYBOARD);
    expect(await storedValue(sample.redis, 'sample:catalog:item:1')).toEqual(first.body);
    expectFreshTtl(await sample.redis.pttl('sample:catalog:item:1'), 10 * 60_000);

    const [second, hit] = await counted(sample.app, FIND_ONE, () => http().get('/catalog/items/1').expect(200));
    expect(hit).toEqual({ hits: 1, misses: 0 });
    expect(second.body).toEqual(first.body); // same loadedAt: not read from the database again
  });

  it('@Cacheable nullTtl: an unknown id is a 404, remembered as null for 30 seconds', async () => {
    const [, miss] = await counted(sample.app, FIND_ONE, () => http().get('/catalog/items/99').expect(404));
    expect(miss).toEqual({ hits: 0, misses: 1 });
    expect(await storedValue(sample.redis, 'sample:catalog:item:99')).toEqual(null);
    expectFreshTtl(await sample.redis.pttl('sample:catalog:item:99'), 30_000);

    const [, hit] = await counted(sample.app, FIND_ONE, () => http().get('/catalog/items/99').expect(404));
    expect(hit).toEqual({ hits: 1, misses: 0 });
  });

  it('@Cacheable() default key: a hash of the filter, so equal filters share an entry whatever the query order', async () => {
    const [first, miss] = await counted(sample.app, SEARCH, () => http().get('/catalog/search?tag=office&maxPrice=100').expect(200));
    expect(miss).toEqual({ hits: 0, misses: 1 });
    expect(first.body.map((item: { id: number }) => item.id)).toEqual([1, 2]);

    const [second, hit] = await counted(sample.app, SEARCH, () => http().get('/catalog/search?maxPrice=100&tag=office').expect(200));
    expect(hit).toEqual({ hits: 1, misses: 0 });
    expect(second.body).toEqual(first.body);
    const [officeKey, ...others] = await sample.redis.keys('sample:CatalogService.search:*');
    expect(others).toEqual([]);
    expect(officeKey).toMatch(/^sample:CatalogService\.search:[\w-]{43}$/);
    expectFreshTtl(await sample.redis.pttl(officeKey), 60_000);

    const [audio, otherFilter] = await counted(sample.app, SEARCH, () => http().get('/catalog/search?tag=audio').expect(200));
    expect(otherFilter).toEqual({ hits: 0, misses: 1 });
    expect(audio.body.map((item: { id: number }) => item.id)).toEqual([4, 5]);
    expect(await sample.redis.keys('sample:CatalogService.search:*')).toHaveLength(2);
    await http().get('/catalog/search?maxPrice=cheap').expect(400);
  });

  it('tags: one PUT (one invalidateTags call) drops the item page and its category page, and no page without those tags', async () => {
    const [item] = await counted(sample.app, FIND_ONE, () => http().get('/catalog/items/1').expect(200));
    expect(item.body).toMatchObject({ ...CATALOG_KEYBOARD, category: 'peripherals' });
    const [page, pageMiss] = await counted(sample.app, CATEGORY, () => http().get('/catalog/categories/peripherals').expect(200));
    expect(pageMiss).toEqual({ hits: 0, misses: 1 });
    expect(page.headers['x-cache']).toBe('MISS');
    expect(page.body.items.map((listed: { id: number }) => listed.id)).toEqual([1, 2]);
    expectFreshTtl(await sample.redis.pttl('sample:http:GET:127.0.0.1/catalog/categories/peripherals'), 10 * 60_000);
    await http().get('/catalog/categories/audio').expect(200);
    await http().get('/catalog/items/4').expect(200);
    expect((await http().get('/catalog/categories/peripherals').expect(200)).headers['x-cache']).toBe('HIT');

    const invalidations = (await cacheCounters(sample.app)).operation('invalidate');
    const updated = await http().put('/catalog/items/1').send({ price: 79 }).expect(200);
    expect(updated.body).toMatchObject({ ...CATALOG_KEYBOARD, price: 79 });
    expect((await cacheCounters(sample.app)).operation('invalidate')).toBe(invalidations + 1);
    // Nothing was deleted or scanned: the entries stay in Redis until their TTL, but are never served again.
    expect(await sample.redis.exists('sample:catalog:item:1', 'sample:http:GET:127.0.0.1/catalog/categories/peripherals')).toBe(2);

    const [next, itemMiss] = await counted(sample.app, FIND_ONE, () => http().get('/catalog/items/1').expect(200));
    expect(itemMiss).toEqual({ hits: 0, misses: 1 });
    expect(next.body).toMatchObject({ ...CATALOG_KEYBOARD, price: 79 });
    const [reloaded, reloadMiss] = await counted(sample.app, CATEGORY, () => http().get('/catalog/categories/peripherals').expect(200));
    expect(reloadMiss).toEqual({ hits: 0, misses: 1 });
    expect(reloaded.headers['x-cache']).toBe('MISS');
    expect(reloaded.body.items.find((listed: { id: number }) => listed.id === 1)).toMatchObject({ price: 79 });

    const [, untouched] = await counted(sample.app, FIND_ONE, () => http().get('/catalog/items/4').expect(200));
    expect(untouched).toEqual({ hits: 1, misses: 0 }); // another product, another category
    expect((await http().get('/catalog/categories/audio').expect(200)).headers['x-cache']).toBe('HIT');

    await http().get('/catalog/categories/garden').expect(404);
    await http().put('/catalog/items/404').send({ price: 1 }).expect(404);
    await http().put('/catalog/items/1').send({ price: 'free' }).expect(400);
  });

  it('@CachePut: POST refresh reloads the row and overwrites its entry; the next read is a hit serving that copy', async () => {
    const cached = (await http().get('/catalog/items/2').expect(200)).body as { loadedAt: string };
    const [refreshed, lookups] = await counted(sample.app, FIND_ONE, () => http().post('/catalog/items/2/refresh').expect(200));
    expect(lookups).toEqual({ hits: 0, misses: 0 }); // a put never looks up
    expect(refreshed.body).toMatchObject(CATALOG_MOUSE);
    expect(refreshed.body.loadedAt > cached.loadedAt).toBe(true);
    expect(await storedValue(sample.redis, 'sample:catalog:item:2')).toEqual(refreshed.body);
    expectFreshTtl(await sample.redis.pttl('sample:catalog:item:2'), 10 * 60_000);

    const [next, hit] = await counted(sample.app, FIND_ONE, () => http().get('/catalog/items/2').expect(200));
    expect(hit).toEqual({ hits: 1, misses: 0 });
    expect(next.body).toEqual(refreshed.body);

    await http().post('/catalog/items/98/refresh').expect(404);
    expect(await sample.redis.exists('sample:catalog:item:98')).toBe(0); // `unless`: a missing item is not stored
  });

  it('CacheInterceptor + @CacheTTL("30s"): GET /catalog/featured is a MISS, then a HIT with the same body', async () => {
    const [first, miss] = await counted(sample.app, FEATURED, () => http().get('/catalog/featured').expect(200));
    expect(first.headers['x-cache']).toBe('MISS');
    expect(miss).toEqual({ hits: 0, misses: 1 });
    expect(first.body.items.map((item: { id: number }) => item.id)).toEqual([1, 3, 4]);
    expectFreshTtl(await sample.redis.pttl('sample:http:GET:127.0.0.1/catalog/featured'), 30_000);

    const [second, hit] = await counted(sample.app, FEATURED, () => http().get('/catalog/featured').expect(200));
    expect(second.headers['x-cache']).toBe('HIT');
    expect(hit).toEqual({ hits: 1, misses: 0 });
    expect(second.body).toEqual(first.body);
  });

  it('the public route neither serves nor stores a request that carries Authorization or Cookie', async () => {
    const cached = await http().get('/catalog/featured').expect(200);
    expect(await sample.redis.exists('sample:http:GET:127.0.0.1/catalog/featured')).toBe(1);
    for (const [header, value] of [
      ['Authorization', 'Bearer alice'],
      ['Cookie', 'sid=alice'],
    ]) {
      const [response, lookups] = await counted(sample.app, FEATURED, () => http().get('/catalog/featured').set(header, value).expect(200));
      expect(response.headers['x-cache']).toBeUndefined();
      expect(lookups).toEqual({ hits: 0, misses: 0 });
      expect(response.body.generatedAt).not.toBe(cached.body.generatedAt); // the handler ran
    }
    expect(await sample.redis.keys('sample:http:*featured*')).toEqual(['sample:http:GET:127.0.0.1/catalog/featured']);
  });

  it('@CacheVary("authorization"): one cached page per caller, the header hashed into the key', async () => {
    const recommendations = (user: string) =>
      counted(sample.app, RECOMMENDATIONS, () =>
        http().get('/catalog/me/recommendations').set('Authorization', `Bearer ${user}`).expect(200),
      );
    const [alice, aliceLookups] = await recommendations('alice');
    const [bob, bobLookups] = await recommendations('bob');
    const [aliceAgain, aliceAgainLookups] = await recommendations('alice');
    const [bobAgain, bobAgainLookups] = await recommendations('bob');

    expect([alice, bob, aliceAgain, bobAgain].map((response) => response.headers['x-cache'])).toEqual(['MISS', 'MISS', 'HIT', 'HIT']);
    expect([aliceLookups, bobLookups, aliceAgainLookups, bobAgainLookups]).toEqual([
      { hits: 0, misses: 1 },
      { hits: 0, misses: 1 },
      { hits: 1, misses: 0 },
      { hits: 1, misses: 0 },
    ]);
    expect([alice.body.user, bob.body.user]).toEqual(['alice', 'bob']);
    expect(aliceAgain.body).toEqual(alice.body);
    expect(bobAgain.body).toEqual(bob.body);

    const keys = await sample.redis.keys('sample:http:GET:127.0.0.1/catalog/me/recommendations*');
    expect(keys).toHaveLength(2);
    expect(keys.join(' ')).not.toMatch(/alice|bob|Bearer/);
    await http().get('/catalog/me/recommendations').expect(401); // errors are never stored
    expect(await sample.redis.keys('sample:http:GET:127.0.0.1/catalog/me/recommendations*')).toHaveLength(2);
  });

  it('logged no errors', () => {
    expect(sample.app.logs).not.toMatch(/ERROR|WARN/);
  });
});

describe('sample app (built, as a child process) without REDIS_URL', () => {
  let app: SampleAppProcess | undefined;

  beforeAll(async () => {
    assertSampleAppBuilt();
    app = await SampleAppProcess.start({ ADMIN_TOKEN });
  });

  afterAll(async () => {
    await app?.kill();
  });

  it('serves from the embedded in-process store: a miss, then a hit', async () => {
    expect(app!.logs).toMatch(/embedded in-process store/);
    await request(app!.url).get('/products/2').expect(200, MOUSE);
    const afterMiss = await cacheCounters(app!);
    expect([afterMiss.hits, afterMiss.misses]).toEqual([0, 1]);
    await request(app!.url).get('/products/2').expect(200, MOUSE);
    const afterHit = await cacheCounters(app!);
    expect([afterHit.hits, afterHit.misses]).toEqual([1, 1]);
  });

  it('runs the method decorators and the CacheInterceptor on the embedded store too', async () => {
    const [first, miss] = await counted(app!, FIND_ONE, () => request(app!.url).get('/catalog/items/1').expect(200));
    const [second, hit] = await counted(app!, FIND_ONE, () => request(app!.url).get('/catalog/items/1').expect(200));
    expect([miss, hit]).toEqual([
      { hits: 0, misses: 1 },
      { hits: 1, misses: 0 },
    ]);
    expect(second.body).toEqual(first.body);
    await request(app!.url).get('/catalog/featured').expect(200).expect('X-Cache', 'MISS');
    await request(app!.url).get('/catalog/featured').expect(200).expect('X-Cache', 'HIT');
  });

  it('GET / lists the demo routes, and each one works as listed, in order', async () => {
    const { body } = await request(app!.url).get('/').expect(200);
    const routes = body.routes as Array<{
      method: string;
      path: string;
      headers?: Record<string, string>;
      admin?: true;
      body?: object;
      curl: string;
    }>;
    expect(routes.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining([
        'GET /catalog/items/1',
        'GET /catalog/categories/peripherals',
        'PUT /catalog/items/1',
        'POST /catalog/items/1/refresh',
        'GET /catalog/featured',
        'GET /metrics',
        'GET /health',
      ]),
    );
    const vary = routes.find((route) => route.path === '/catalog/me/recommendations');
    expect(vary?.curl).toBe(`curl -i -H 'Authorization: Bearer alice' '${app!.url}/catalog/me/recommendations'`);
    const clear = routes.find((route) => route.method === 'DELETE' && route.path === '/cache');
    expect(clear?.curl).toBe(`curl -i -X DELETE -H "X-Admin-Token: $ADMIN_TOKEN" '${app!.url}/cache'`);

    for (const route of routes) {
      const call = request(app!.url)
        [route.method.toLowerCase() as 'get' | 'put' | 'post' | 'delete'](route.path)
        .set({ ...route.headers, ...(route.admin ? { 'X-Admin-Token': ADMIN_TOKEN } : {}) }); // as the curl's $ADMIN_TOKEN
      const response = await (route.body ? call.send(route.body) : call);
      // Every example answers 200, but the one that shows a cached "not found".
      expect({ route: `${route.method} ${route.path}`, status: response.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: route.path === '/catalog/items/99' ? 404 : 200,
      });
    }
  });

  it('shuts down cleanly on SIGTERM', async () => {
    expect(await app!.stop('SIGTERM', 10_000)).toEqual({ code: 0, signal: null });
  });
});
