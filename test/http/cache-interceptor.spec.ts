import 'reflect-metadata';
import {
  Controller,
  Get,
  Header,
  HttpCode,
  Injectable,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  StreamableFile,
  UseInterceptors,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import request from 'supertest';
import { CacheInterceptor, CacheKey, CacheModule, CacheTTL, CacheVary } from '@datapunk/nestjs-cache';
import { RedisServer } from '../support/redis-server.js';
import { HTTP_PLATFORMS, startHttpApp } from '../support/http-platforms.js';

let handled = 0;

@Injectable()
class Clock {
  next(): number {
    return ++handled;
  }
}

@Controller('api')
class ApiController {
  constructor(private readonly clock: Clock) {}

  @Get('public/:id')
  publicItem(@Param('id') id: string) {
    return { id, n: this.clock.next() };
  }

  @Get('slow')
  async slow() {
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { n: this.clock.next() };
  }

  @Get('me')
  @CacheVary('authorization')
  me(@Req() req: { headers: Record<string, string> }) {
    return { user: req.headers.authorization, n: this.clock.next() };
  }

  @Get('tenant')
  @CacheVary((req: { headers: Record<string, string> }) => req.headers['x-tenant'])
  tenant() {
    return { n: this.clock.next() };
  }

  @Get('by-language')
  @CacheVary('accept-language')
  byLanguage() {
    return { n: this.clock.next() };
  }

  @Get('slow-cookie')
  async slowCookie(
    @Res({ passthrough: true }) res: { header?: (k: string, v: string) => void; setHeader?: (k: string, v: string) => void },
  ) {
    const n = this.clock.next();
    if (res.setHeader) res.setHeader('Set-Cookie', `sid=${n}`);
    else res.header!('Set-Cookie', `sid=${n}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { sid: n };
  }

  @Get('fixed')
  @CacheKey('the-fixed-key')
  @CacheTTL('2s')
  fixed() {
    return { n: this.clock.next() };
  }

  @Get('ttl-from-context')
  @CacheTTL((context: ExecutionContext) => (context.switchToHttp().getRequest<{ query: { long?: string } }>().query.long ? '1h' : '3s'))
  ttlFromContext() {
    return { n: this.clock.next() };
  }

  @Get('ttl-async')
  @CacheTTL(async () => '4s')
  ttlAsync() {
    return { n: this.clock.next() };
  }

  @Get('ttl-invalid')
  @CacheTTL(() => 0)
  ttlInvalid() {
    return { n: this.clock.next() };
  }

  @Get('me-and-lang')
  @CacheVary('authorization', (req: { query: { lang?: string } }) => req.query.lang)
  meAndLang(@Req() req: { headers: Record<string, string> }) {
    return { user: req.headers.authorization, n: this.clock.next() };
  }

  @Get('no-store-response')
  @Header('Cache-Control', 'no-store')
  noStoreResponse() {
    return { n: this.clock.next() };
  }

  @Get('status-from-res')
  statusFromRes(@Res({ passthrough: true }) res: { status?: (code: number) => void; code?: (code: number) => void }) {
    if (typeof res.status === 'function') res.status(503);
    else res.code!(503);
    return { n: this.clock.next() };
  }

  @Get('missing')
  missing() {
    this.clock.next();
    throw new NotFoundException();
  }

  @Get('accepted')
  @HttpCode(202)
  accepted() {
    return { n: this.clock.next() };
  }

  @Get('private')
  @Header('Cache-Control', 'private, max-age=60')
  privateData() {
    return { n: this.clock.next() };
  }

  @Get('cookie')
  cookie(@Res({ passthrough: true }) res: { header?: (k: string, v: string) => void; setHeader?: (k: string, v: string) => void }) {
    if (res.setHeader) res.setHeader('Set-Cookie', 'session=abc');
    else res.header!('Set-Cookie', 'session=abc');
    return { n: this.clock.next() };
  }

  @Get('file')
  file() {
    this.clock.next();
    return new StreamableFile(Buffer.from('file body'));
  }

  @Post('public/:id')
  write(@Param('id') id: string) {
    return { id, n: this.clock.next() };
  }
}

@Controller('local')
@UseInterceptors(CacheInterceptor)
class LocalController {
  constructor(private readonly clock: Clock) {}

  @Get()
  value() {
    return { n: this.clock.next() };
  }
}

describe.each(HTTP_PLATFORMS)('CacheInterceptor on %s', (_platform, makeAdapter) => {
  let server: RedisServer;
  let redis: Redis;
  let app: INestApplication;

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new Redis(server.port, '127.0.0.1');
    const module = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: 'web', redis: { url: server.url }, isGlobal: true })],
      controllers: [ApiController, LocalController],
      providers: [Clock, { provide: APP_INTERCEPTOR, useClass: CacheInterceptor }],
    }).compile();
    app = await startHttpApp(module, makeAdapter);
  });

  afterAll(async () => {
    await app.close();
    redis.disconnect();
    await server.dispose();
  });

  beforeEach(async () => {
    await redis.flushdb();
    handled = 0;
  });

  const http = () => request(app.getHttpServer());

  it('serves a GET from the cache after the first call, with X-Cache MISS then HIT', async () => {
    const first = await http().get('/api/public/1').expect(200);
    const second = await http().get('/api/public/1').expect(200);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body).toEqual(first.body);
    expect(handled).toBe(1);
    expect(await redis.exists('web:http:GET:127.0.0.1/api/public/1')).toBe(1);
  });

  it('never caches other methods', async () => {
    await http().post('/api/public/1').expect(201);
    await http().post('/api/public/1').expect(201);
    expect(handled).toBe(2);
  });

  it('neither serves nor stores for requests with Authorization or Cookie unless the route varies', async () => {
    await http().get('/api/public/2').expect(200); // cached for anonymous callers
    const withAuth = await http().get('/api/public/2').set('Authorization', 'Bearer alice').expect(200);
    const withCookie = await http().get('/api/public/2').set('Cookie', 'sid=bob').expect(200);
    expect(withAuth.headers['x-cache']).toBeUndefined();
    expect(withCookie.headers['x-cache']).toBeUndefined();
    expect(handled).toBe(3);
  });

  it('keeps users apart on a route that varies on Authorization, hashing the header', async () => {
    const alice = await http().get('/api/me').set('Authorization', 'Bearer alice').expect(200);
    const bob = await http().get('/api/me').set('Authorization', 'Bearer bob').expect(200);
    const aliceAgain = await http().get('/api/me').set('Authorization', 'Bearer alice').expect(200);
    expect(alice.body.user).toBe('Bearer alice');
    expect(bob.body.user).toBe('Bearer bob');
    expect(aliceAgain.body).toEqual(alice.body);
    expect(aliceAgain.headers['x-cache']).toBe('HIT');
    const keys = await redis.keys('web:http:GET:127.0.0.1/api/me*');
    expect(keys).toHaveLength(2);
    expect(keys.join(' ')).not.toMatch(/alice|bob|Bearer/);
  });

  it('does not let a vary on other headers open the cache to credentialed requests', async () => {
    await http().get('/api/by-language').set('Accept-Language', 'en').expect(200);
    const withAuth = await http().get('/api/by-language').set('Accept-Language', 'en').set('Authorization', 'Bearer eve').expect(200);
    expect(withAuth.headers['x-cache']).toBeUndefined();
    expect(handled).toBe(2);
  });

  it('never shares a response that may not be stored with concurrent callers', async () => {
    const responses = await Promise.all(Array.from({ length: 5 }, () => http().get('/api/slow-cookie').expect(200)));
    expect(new Set(responses.map((response) => response.body.sid)).size).toBe(5);
    expect(responses.every((response) => String(response.headers['set-cookie']).includes(`sid=${response.body.sid}`))).toBe(true);
    expect(handled).toBe(5);
  });

  it('varies on any function of the request', async () => {
    const a = await http().get('/api/tenant').set('X-Tenant', 'a');
    const b = await http().get('/api/tenant').set('X-Tenant', 'b');
    const a2 = await http().get('/api/tenant').set('X-Tenant', 'a');
    expect(a.body.n).not.toBe(b.body.n);
    expect(a2.body).toEqual(a.body);
  });

  it('passes credentialed requests through when a vary function names nobody, so they never share one key', async () => {
    const alice = await http().get('/api/tenant').set('Authorization', 'Bearer alice').expect(200);
    const bob = await http().get('/api/tenant').set('Authorization', 'Bearer bob').expect(200);
    expect(alice.headers['x-cache']).toBeUndefined();
    expect(bob.body.n).not.toBe(alice.body.n);
    const tenant = await http().get('/api/tenant').set('Authorization', 'Bearer alice').set('X-Tenant', 't1').expect(200);
    const sameTenant = await http().get('/api/tenant').set('Authorization', 'Bearer carol').set('X-Tenant', 't1').expect(200);
    expect(tenant.headers['x-cache']).toBe('MISS');
    expect(sameTenant.headers['x-cache']).toBe('HIT'); // the route said: one response per tenant
    expect(handled).toBe(3);
  });

  it('uses @CacheKey and @CacheTTL', async () => {
    await http().get('/api/fixed').expect(200);
    expect(await redis.pttl('web:http:GET:the-fixed-key')).toBeLessThanOrEqual(2000);
  });

  it('awaits a @CacheTTL function that returns a promise; one that yields no valid TTL leaves the route uncached', async () => {
    await http().get('/api/ttl-async').expect(200);
    const pttl = await redis.pttl('web:http:GET:127.0.0.1/api/ttl-async');
    expect(pttl).toBeGreaterThan(2000);
    expect(pttl).toBeLessThanOrEqual(4000);
    const first = await http().get('/api/ttl-invalid').expect(200);
    const second = await http().get('/api/ttl-invalid').expect(200);
    expect(second.body.n).not.toBe(first.body.n);
    expect(first.headers['x-cache']).toBeUndefined();
  });

  it('caches per user when the credential header is varied on, even if a vary function names nothing', async () => {
    const alice = await http().get('/api/me-and-lang').set('Authorization', 'Bearer alice').expect(200);
    const aliceAgain = await http().get('/api/me-and-lang').set('Authorization', 'Bearer alice').expect(200);
    const bob = await http().get('/api/me-and-lang').set('Authorization', 'Bearer bob').expect(200);
    expect(aliceAgain.headers['x-cache']).toBe('HIT');
    expect(aliceAgain.body).toEqual(alice.body);
    expect(bob.body.user).toBe('Bearer bob');
  });

  it('takes a TTL from a function of the context', async () => {
    await http().get('/api/ttl-from-context').expect(200);
    await http().get('/api/ttl-from-context?long=1').expect(200);
    const short = await redis.pttl('web:http:GET:127.0.0.1/api/ttl-from-context');
    expect(short).toBeGreaterThan(1000);
    expect(short).toBeLessThanOrEqual(3000);
    expect(await redis.pttl('web:http:GET:127.0.0.1/api/ttl-from-context?long=1')).toBeGreaterThan(3_500_000);
  });

  it.each([
    ['an error response', '/api/missing', 404],
    ['a response with Set-Cookie', '/api/cookie', 200],
    ['a private response', '/api/private', 200],
    ['a streamed file', '/api/file', 200],
    ['a response marked Cache-Control: no-store', '/api/no-store-response', 200],
    ['a 503 set through @Res({ passthrough: true })', '/api/status-from-res', 503],
  ])('does not store %s', async (_label, path, status) => {
    await http().get(path).expect(status);
    await http().get(path).expect(status);
    expect(handled).toBe(2);
    expect(await redis.dbsize()).toBe(0);
  });

  it('stores other 2xx responses', async () => {
    await http().get('/api/accepted').expect(202);
    await http().get('/api/accepted').expect(202);
    expect(handled).toBe(1);
  });

  it('passes requests with Cache-Control: no-store through', async () => {
    await http().get('/api/public/3').expect(200);
    const fresh = await http().get('/api/public/3').set('Cache-Control', 'no-store').expect(200);
    expect(fresh.headers['x-cache']).toBeUndefined();
    expect(handled).toBe(2);
  });

  it('runs the handler once for concurrent misses on one route', async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, () => http().get('/api/slow')));
    expect(handled).toBe(1);
    expect(new Set(responses.map((response) => response.body.n))).toEqual(new Set([1]));
  });

  it('works as a controller-level @UseInterceptors too', async () => {
    await http().get('/local').expect(200);
    await http().get('/local').expect(200);
    expect(handled).toBe(1);
  });
});
