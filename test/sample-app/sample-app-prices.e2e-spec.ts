/** The sample app's prices routes (refresh-ahead, stale-if-error, a warmer, the batch form of @Cacheable), built and run as a child process. */
import request from 'supertest';
import { useRedisServer } from '../support/redis-fixture.js';
import { waitUntil } from '../support/wait-until.js';
import { assertSampleAppBuilt, SampleAppProcess } from '../support/sample-app-process.js';
import { storedValue } from '../support/stored-entry.js';

/** Switching the pricing database is an operator's route: the sample's guard wants this token. */
const ADMIN_TOKEN = 'e2e-admin-token';

describe('sample app: prices', () => {
  const db = useRedisServer();
  let app: SampleAppProcess;

  beforeAll(async () => {
    assertSampleAppBuilt();
    app = await SampleAppProcess.start({ REDIS_URL: db.server.url, ADMIN_TOKEN });
  });
  afterAll(async () => {
    await app?.kill();
  });

  it('the @CacheWarmer loads every price at startup in the background, then prices are served from Redis', async () => {
    await waitUntil('the warmer to load the 200 prices', 20_000, async () => (await db.redis.exists('sample:price:sku-200')) === 1);
    const queries = (await request(app.url).get('/prices/database').expect(200)).body.queries as number;
    expect(queries).toBeGreaterThanOrEqual(200);
    const price = await request(app.url).get('/prices/sku-7').expect(200);
    expect(price.body).toMatchObject({ sku: 'sku-7', cents: 170 });
    expect(await storedValue(db.redis, 'sample:price:sku-7')).toEqual(price.body);
    expect((await request(app.url).get('/prices/database').expect(200)).body.queries).toBe(queries); // a hit
    // The run ends when its last load does (sku-200 may be stored before others), and its line comes through a pipe.
    await waitUntil('the warmer to log its end', 10_000, async () => /PricesService\.allPrices: done in .* s: 200 loaded/.test(app.logs));
  });

  it('the batch route reads cached prices and asks the database once for the rest', async () => {
    const before = (await request(app.url).get('/prices/database')).body.queries as number;
    const prices = await request(app.url).get('/prices?skus=sku-1,sku-2,sku-500').expect(200);
    expect(prices.body.map((price: { sku: string } | null) => price?.sku ?? null)).toEqual(['sku-1', 'sku-2', null]);
    expect((await request(app.url).get('/prices/database')).body.queries).toBe(before + 1); // only sku-500 was asked for
  });

  it('with the database switched off, cached prices keep answering; an uncached one fails', async () => {
    await request(app.url)
      .post('/prices/database/off')
      .set('X-Admin-Token', ADMIN_TOKEN)
      .expect(200, { up: false, queries: (await request(app.url).get('/prices/database')).body.queries });
    try {
      await request(app.url).get('/prices/sku-3').expect(200);
      await request(app.url).get('/prices/sku-999').expect(503);
    } finally {
      await request(app.url).post('/prices/database/on').set('X-Admin-Token', ADMIN_TOKEN).expect(200);
    }
  });
});
