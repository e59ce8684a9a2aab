/**
 * The built sample app (dist-sample/, compiled against the built dist/) as a real child process:
 * PrometheusModule is CommonJS that require()s the ESM-only NestJS 12, which Jest's module runtime
 * cannot load on Node 20, so the app must not be imported here. Build first:
 *   npm run build && tsc -p sample-app/tsconfig.json
 */
import request from 'supertest';
import { Redis } from 'ioredis';
import { parsePrometheusText, sampleValue } from './support/prometheus-text.js';
import { RedisServer } from './support/redis-server.js';
import { assertSampleAppBuilt, SampleAppProcess } from './support/sample-app-process.js';

const KEYBOARD = { id: 1, name: 'Keyboard', price: 49 };
const MOUSE = { id: 2, name: 'Mouse', price: 19 };
const MONITOR = { id: 3, name: 'Monitor', price: 199 };
const DIRECT = { namespace: 'sample', cache: 'direct' };

/** Scrapes /metrics and reads the sample namespace's lookups (0 for a series not yet created). */
async function cacheCounters(app: SampleAppProcess) {
  const response = await request(app.url).get('/metrics').expect(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain/);
  const samples = parsePrometheusText(response.text);
  const value = (name: string, labels: Record<string, string>) => sampleValue(samples, name, labels) ?? 0;
  return {
    hits: value('cache_hits_total', DIRECT),
    misses: value('cache_misses_total', DIRECT),
    operation: (operation: string, status = 'ok') => value('cache_operations_total', { namespace: 'sample', operation, status }),
  };
}

/** Polls `probe` every 50 ms until it returns true, for at most `timeoutMs`. */
async function eventually(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('sample app (built, as a child process) on a real Redis', () => {
  let server: RedisServer;
  let redis: Redis;
  let app: SampleAppProcess | undefined;

  /** Redis clients other than this test's own connection: the app's. */
  async function otherClients(): Promise<number> {
    const ownId = await redis.client('ID');
    const lines = ((await redis.client('LIST')) as string).split('\n').filter((line) => line.startsWith('id='));
    return lines.filter((line) => !line.startsWith(`id=${ownId} `)).length;
  }

  beforeAll(async () => {
    assertSampleAppBuilt();
    server = await RedisServer.start();
    redis = new Redis(server.port, '127.0.0.1');
    app = await SampleAppProcess.start({ REDIS_URL: server.url });
  });

  afterAll(async () => {
    await app?.kill();
    redis?.disconnect();
    await server?.dispose();
  });

  it('loads a product once, stores it under "sample:", then serves it from Redis', async () => {
    const before = await cacheCounters(app!);
    expect([before.hits, before.misses]).toEqual([0, 0]);

    await request(app!.url).get('/products/1').expect(200, KEYBOARD);
    const afterMiss = await cacheCounters(app!);
    expect([afterMiss.hits, afterMiss.misses]).toEqual([0, 1]);
    expect(JSON.parse((await redis.get('sample:product:1'))!)).toEqual(KEYBOARD);
    const pttl = await redis.pttl('sample:product:1');
    expect(pttl).toBeGreaterThan(4 * 60_000); // the sample's default TTL, '5m'
    expect(pttl).toBeLessThanOrEqual(5 * 60_000);

    await request(app!.url).get('/products/1').expect(200, KEYBOARD);
    const afterHit = await cacheCounters(app!);
    expect([afterHit.hits, afterHit.misses]).toEqual([1, 1]);
    expect(afterHit.operation('getOrSet')).toBe(2);
  });

  it('PUT updates the database and invalidates the cached copy', async () => {
    const before = await cacheCounters(app!);
    await request(app!.url)
      .put('/products/1')
      .send({ price: 59 })
      .expect(200, { ...KEYBOARD, price: 59 });
    expect(await redis.exists('sample:product:1')).toBe(0);
    expect((await cacheCounters(app!)).operation('invalidate')).toBe(before.operation('invalidate') + 1);

    await request(app!.url)
      .get('/products/1')
      .expect(200, { ...KEYBOARD, price: 59 });
    const after = await cacheCounters(app!);
    expect(after.misses).toBe(before.misses + 1);
    expect(JSON.parse((await redis.get('sample:product:1'))!)).toEqual({ ...KEYBOARD, price: 59 });
  });

  it('GET /products?ids= reads many keys in one mget and caches the misses', async () => {
    const before = await cacheCounters(app!);
    await request(app!.url)
      .get('/products?ids=1,2,3,99')
      .expect(200, [{ ...KEYBOARD, price: 59 }, MOUSE, MONITOR, null]);
    const after = await cacheCounters(app!);
    expect(after.operation('mget')).toBe(before.operation('mget') + 1);
    expect([after.hits - before.hits, after.misses - before.misses]).toEqual([1, 3]);
    expect(await redis.exists('sample:product:2', 'sample:product:3', 'sample:product:99')).toBe(3);
    await request(app!.url).get('/products?ids=1,x').expect(400);
  });

  it('answers 404 for an unknown product', async () => {
    await request(app!.url).get('/products/404').expect(404);
  });

  it('DELETE /cache removes the "sample:" keys and nothing else', async () => {
    await redis.set('other-service:keep', '1');
    const keys = await redis.keys('sample:*');
    expect(keys.length).toBeGreaterThan(0);
    await request(app!.url).delete('/cache').expect(200, { removed: keys.length });
    expect(await redis.keys('*')).toEqual(['other-service:keep']);
  });

  it('shuts down cleanly on SIGTERM: exit code 0 and its Redis connection closed', async () => {
    expect(await otherClients()).toBeGreaterThanOrEqual(1);
    const exit = await app!.stop('SIGTERM', 10_000);
    expect(exit).toEqual({ code: 0, signal: null });
    await eventually(async () => (await otherClients()) === 0, 5_000, "the app's Redis client closing");
    expect(app!.logs).not.toMatch(/ERROR/);
  });
});

describe('sample app (built, as a child process) without REDIS_URL', () => {
  let app: SampleAppProcess | undefined;

  beforeAll(async () => {
    assertSampleAppBuilt();
    app = await SampleAppProcess.start();
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

  it('shuts down cleanly on SIGTERM', async () => {
    expect(await app!.stop('SIGTERM', 10_000)).toEqual({ code: 0, signal: null });
  });
});
