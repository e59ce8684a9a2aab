import 'reflect-metadata';
import { createHash, createHmac } from 'node:crypto';
import { Controller, Get, Headers, type INestApplication } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CacheInterceptor, CacheModule, CacheVary, type CacheHttpOptions } from '@datapunk/nestjs-cache';
import { warningCollector } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';

let handled = 0;

@Controller()
class MeController {
  @Get('me')
  @CacheVary('authorization')
  me(@Headers('authorization') authorization: string) {
    return { user: authorization, n: ++handled };
  }

  @Get('by-language')
  @CacheVary('accept-language')
  byLanguage(@Headers('accept-language') language: string) {
    return { language, n: ++handled };
  }
}

const SECRET = 'a fleet-wide secret of 32 bytes.';
/** A Basic-auth credential with a password from a word list: what an offline guess would try. */
const ALICE = `Basic ${Buffer.from('alice:password1').toString('base64')}`;

/** The digest the key held before: an unsalted truncated SHA-256, testable against guesses by anyone who can SCAN. */
const sha256Digest = (values: string[]) => createHash('sha256').update(JSON.stringify(values)).digest('base64url').slice(0, 32);
const hmacDigest = (secret: string, values: string[]) =>
  createHmac('sha256', secret).update(JSON.stringify(values)).digest('base64url').slice(0, 32);

describe('the digest of credentials in HTTP keys (@CacheVary on a credential header, a real Redis)', () => {
  const db = useRedisServer();
  const apps: INestApplication[] = [];

  /** One instance of the service: its own Nest app, the shared Redis. */
  async function instance(http?: CacheHttpOptions, logger = warningCollector()): Promise<INestApplication> {
    const module = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: 'web', redis: { url: db.server.url }, http })],
      controllers: [MeController],
      providers: [{ provide: APP_INTERCEPTOR, useClass: CacheInterceptor }],
    })
      .setLogger(logger)
      .compile();
    const app = module.createNestApplication();
    apps.push(app);
    return app.init();
  }

  const me = (app: INestApplication) => request(app.getHttpServer()).get('/me').set('Authorization', ALICE).expect(200);

  beforeEach(async () => {
    await db.redis.flushdb();
    handled = 0;
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('keys by an HMAC of the credential under http.varySecret, not by its plain SHA-256', async () => {
    const app = await instance({ varySecret: SECRET });
    await me(app);
    const [key, ...others] = await db.redis.keys('web:http:GET:*');
    expect(others).toEqual([]);
    expect(key.endsWith(`:${sha256Digest([ALICE])}`)).toBe(false);
    expect(key).toBe(`web:http:GET:127.0.0.1/me:${hmacDigest(SECRET, [ALICE])}`);
  });

  it('two instances with the same secret share per-credential entries', async () => {
    const [first, second] = [await instance({ varySecret: SECRET }), await instance({ varySecret: Buffer.from(SECRET) })];
    const miss = await me(first);
    const hit = await me(second);
    expect([miss.headers['x-cache'], hit.headers['x-cache']]).toEqual(['MISS', 'HIT']);
    expect(hit.body).toEqual(miss.body);
  });

  it('without a secret: a random one per process, so instances do not share those entries; warned once', async () => {
    const logger = warningCollector();
    // One collector for both: Nest's logger is global, the last app's setLogger wins.
    const [first, second] = [await instance(undefined, logger), await instance(undefined, logger)];
    const fromFirst = [await me(first), await me(first)];
    const fromSecond = await me(second);
    expect([...fromFirst, fromSecond].map((response) => response.headers['x-cache'])).toEqual(['MISS', 'HIT', 'MISS']);
    const keys = await db.redis.keys('web:http:GET:*');
    expect(keys).toHaveLength(2);
    expect(keys.some((key) => key.endsWith(`:${sha256Digest([ALICE])}`))).toBe(false);
    // Once per instance (two requests on the first one, one warning), each instance being a module of its own here.
    const warning = expect.stringMatching(/option "http\.varySecret" is not set: .* other instances do not share them/);
    expect(logger.warnings).toEqual([warning, warning]);
  });

  it('without a secret, values that are no credential are still shared by every instance, without a warning', async () => {
    const logger = warningCollector();
    const [first, second] = [await instance(undefined, logger), await instance(undefined, logger)];
    const language = (app: INestApplication) => request(app.getHttpServer()).get('/by-language').set('Accept-Language', 'fr').expect(200);
    expect([(await language(first)).headers['x-cache'], (await language(second)).headers['x-cache']]).toEqual(['MISS', 'HIT']);
    expect(logger.warnings).toEqual([]);
  });
});
