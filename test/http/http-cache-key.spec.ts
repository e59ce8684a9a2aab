import 'reflect-metadata';
import { Controller, Get, Header, Headers, Res, type INestApplication } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CacheInterceptor, CacheKey, CacheModule, CacheVary } from '@datapunk/nestjs-cache';
import { warningCollector } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { HTTP_PLATFORMS, startHttpApp } from '../support/http-platforms.js';

let handled = 0;

/** Express's response and Fastify's reply both set a header, by different names. */
type AnyResponse = { setHeader?: (name: string, value: string) => void; header?: (name: string, value: string) => void };
const setHeader = (res: AnyResponse, name: string, value: string) =>
  res.setHeader ? res.setHeader(name, value) : res.header!(name, value);

/** Routes whose response depends on a request header the URL does not show. */
@Controller('site')
class SiteController {
  /** Multi-tenant by hostname: each site has its own home page. */
  @Get('home')
  home(@Headers('host') host: string, @Headers('x-forwarded-host') forwardedHost?: string) {
    return { site: forwardedHost ?? host, n: ++handled };
  }

  /** What the caller's credential gives access to (a route that forgot @CacheVary). */
  @Get('account')
  account(
    @Headers('x-api-key') apiKey?: string,
    @Headers('proxy-authorization') proxy?: string,
    @Headers('x-tenant-token') tenantToken?: string,
  ) {
    return { caller: apiKey ?? proxy ?? tenantToken ?? 'anonymous', n: ++handled };
  }

  @Get('per-key')
  @CacheVary('x-api-key')
  perKey(@Headers('x-api-key') apiKey?: string) {
    return { caller: apiKey ?? 'anonymous', n: ++handled };
  }

  /** Content negotiation, the Vary set by the handler. */
  @Get('negotiated')
  negotiated(@Headers('accept') accept: string, @Res({ passthrough: true }) res: AnyResponse) {
    setHeader(res, 'Vary', 'Accept');
    return { format: accept, n: ++handled };
  }

  /** The same, the Vary set by @Header (applied before interceptors run). */
  @Get('negotiated-by-decorator')
  @Header('Vary', 'Accept')
  negotiatedByDecorator(@Headers('accept') accept: string) {
    return { format: accept, n: ++handled };
  }

  /** A negotiated route that varies on what its Vary names: cached per Accept. */
  @Get('negotiated-and-varied')
  @CacheVary('accept')
  @Header('Vary', 'Accept')
  negotiatedAndVaried(@Headers('accept') accept: string) {
    return { format: accept, n: ++handled };
  }

  @Get('vary-star')
  @Header('Vary', '*')
  varyStar() {
    return { n: ++handled };
  }

  /** Its key holds the site: a Vary on Host is honoured by it already. */
  @Get('vary-host')
  @Header('Vary', 'Host')
  varyHost(@Headers('host') host: string) {
    return { site: host, n: ++handled };
  }

  /** A @CacheKey holds no site: a Vary on Host is not honoured by it, so the response is not stored. */
  @Get('fixed-vary-host')
  @CacheKey('fixed-vary-host')
  @Header('Vary', 'Host')
  fixedVaryHost(@Headers('host') host: string) {
    return { site: host, n: ++handled };
  }
}

describe.each(HTTP_PLATFORMS)('what the CacheInterceptor keys by (%s, a real Redis)', (_platform, makeAdapter) => {
  const db = useRedisServer();
  const logger = warningCollector();
  let app: INestApplication;

  beforeAll(async () => {
    const module = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: 'web', redis: { url: db.server.url }, http: { credentialHeaders: ['X-Tenant-Token'] } })],
      controllers: [SiteController],
      providers: [{ provide: APP_INTERCEPTOR, useClass: CacheInterceptor }],
    })
      .setLogger(logger)
      .compile();
    app = await startHttpApp(module, makeAdapter);
  });

  afterAll(async () => {
    await app?.close();
  });

  beforeEach(async () => {
    await db.redis.flushdb();
    handled = 0;
    logger.warnings.length = 0;
  });

  const get = (path: string, headers: Record<string, string> = {}) => request(app.getHttpServer()).get(path).set(headers).expect(200);

  it('keys by the host name: each site gets its own page', async () => {
    const a = await get('/site/home', { Host: 'a.example' });
    const b = await get('/site/home', { Host: 'b.example' });
    const aAgain = await get('/site/home', { Host: 'A.example:8443' }); // host names are case-insensitive; the port is not the site
    expect([a.body.site, b.body.site]).toEqual(['a.example', 'b.example']);
    expect([a, b, aAgain].map((response) => response.headers['x-cache'])).toEqual(['MISS', 'MISS', 'HIT']);
    expect(aAgain.body).toEqual(a.body);
    expect((await db.redis.keys('web:http:*')).sort()).toEqual(['web:http:GET:a.example/site/home', 'web:http:GET:b.example/site/home']);
  });

  it('keys by X-Forwarded-Host too, for a proxy that sends its own Host', async () => {
    const a = await get('/site/home', { Host: 'backend', 'X-Forwarded-Host': 'a.example' });
    const b = await get('/site/home', { Host: 'backend', 'X-Forwarded-Host': 'b.example' });
    expect([a.body.site, b.body.site]).toEqual(['a.example', 'b.example']);
    expect(b.headers['x-cache']).toBe('MISS');
  });

  it.each([
    ['X-Api-Key', 'key-alice', 'key-bob'],
    ['Proxy-Authorization', 'Basic YWxpY2U6cHc=', 'Basic Ym9iOnB3'],
    ['X-Tenant-Token', 'tenant-alice', 'tenant-bob'], // named in http.credentialHeaders
  ])('treats %s as a credential: neither served from nor stored in the cache', async (header, alice, bob) => {
    const anonymous = await get('/site/account'); // stored, for callers without credentials
    const fromAlice = await get('/site/account', { [header]: alice });
    const fromBob = await get('/site/account', { [header]: bob });
    expect([anonymous.body.caller, fromAlice.body.caller, fromBob.body.caller]).toEqual(['anonymous', alice, bob]);
    expect([fromAlice.headers['x-cache'], fromBob.headers['x-cache']]).toEqual([undefined, undefined]);
    expect(handled).toBe(3);
    expect(await db.redis.dbsize()).toBe(1); // the anonymous page only
  });

  it('caches per X-Api-Key on a route that varies on it', async () => {
    const alice = await get('/site/per-key', { 'X-Api-Key': 'key-alice' });
    const bob = await get('/site/per-key', { 'X-Api-Key': 'key-bob' });
    const aliceAgain = await get('/site/per-key', { 'X-Api-Key': 'key-alice' });
    expect([alice.body.caller, bob.body.caller]).toEqual(['key-alice', 'key-bob']);
    expect([alice, bob, aliceAgain].map((response) => response.headers['x-cache'])).toEqual(['MISS', 'MISS', 'HIT']);
    expect(aliceAgain.body).toEqual(alice.body);
    expect((await db.redis.keys('web:http:*')).join(' ')).not.toMatch(/key-alice|key-bob/);
  });

  it.each([
    ['by the handler', '/site/negotiated'],
    ['by @Header', '/site/negotiated-by-decorator'],
  ])('does not store a response whose Vary (set %s) names a header its key does not hold, and says so', async (_how, path) => {
    const json = await get(path, { Accept: 'application/json' });
    const text = await get(path, { Accept: 'text/csv' });
    expect([json.body.format, text.body.format]).toEqual(['application/json', 'text/csv']);
    expect([json.headers['x-cache'], text.headers['x-cache']]).toEqual(['MISS', 'MISS']);
    expect(await db.redis.dbsize()).toBe(0);
    expect(logger.warnings).toEqual([
      expect.stringMatching(
        /SiteController\.negotiated\w* answered with Vary "accept", which its cache key does not hold: not stored \(add @CacheVary\("accept"\)/,
      ),
    ]);
  });

  it('stores per value a response whose Vary names headers the route varies on', async () => {
    const json = await get('/site/negotiated-and-varied', { Accept: 'application/json' });
    const text = await get('/site/negotiated-and-varied', { Accept: 'text/csv' });
    const jsonAgain = await get('/site/negotiated-and-varied', { Accept: 'application/json' });
    expect([json, text, jsonAgain].map((response) => response.headers['x-cache'])).toEqual(['MISS', 'MISS', 'HIT']);
    expect([text.body.format, jsonAgain.body.format]).toEqual(['text/csv', 'application/json']);
  });

  it('honours Vary: Host on a URL key (it holds the site); never stores Vary: *, nor Vary: Host under a @CacheKey', async () => {
    await get('/site/vary-host', { Host: 'a.example' });
    expect((await get('/site/vary-host', { Host: 'a.example' })).headers['x-cache']).toBe('HIT');
    expect((await get('/site/vary-host', { Host: 'b.example' })).body.site).toBe('b.example');
    await db.redis.flushdb();
    await get('/site/vary-star');
    await get('/site/vary-star');
    const a = await get('/site/fixed-vary-host', { Host: 'a.example' });
    const b = await get('/site/fixed-vary-host', { Host: 'b.example' });
    expect([a.body.site, b.body.site]).toEqual(['a.example', 'b.example']);
    expect(await db.redis.dbsize()).toBe(0);
  });
});

describe('option "http"', () => {
  const boot = (http: unknown) =>
    Test.createTestingModule({ imports: [CacheModule.forRoot({ namespace: 'web', http } as never)] })
      .compile()
      .then((module) => module.close());

  it.each([
    ['not an object', 'yes', /option "http" must be \{ credentialHeaders\?, varySecret\? \}, got "yes"/],
    [
      'credentialHeaders not an array',
      { credentialHeaders: 'x-key' },
      /option "http.credentialHeaders" must be an array of at most 64 header names/,
    ],
    [
      'a header name with a space',
      { credentialHeaders: ['x key'] },
      /option "http.credentialHeaders" must hold HTTP header names, got "x key"/,
    ],
    ['a secret shorter than 16 bytes', { varySecret: 'short' }, /option "http.varySecret" must be at least 16 bytes, got 5/],
    ['a secret that is a number', { varySecret: 1234 }, /option "http.varySecret" must be a string or a Buffer, got number/],
  ])('refuses %s at boot, naming the option', async (_label, http, message) => {
    await expect(boot(http)).rejects.toThrow(message);
  });
});
