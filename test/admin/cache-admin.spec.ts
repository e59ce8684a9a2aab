import 'reflect-metadata';
import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext, type INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CacheAdminModule, CacheError, CacheManager, CacheModule } from '@datapunk/nestjs-cache';
import { useRedisServer } from '../support/redis-fixture.js';

const TOKEN = 'operator-secret';

/** An application's guard: no token is 401, a wrong one 403. */
@Injectable()
class OperatorGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const token = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers['x-admin-token'];
    if (token === undefined) throw new UnauthorizedException('x-admin-token required');
    return token === TOKEN;
  }
}

describe('CacheAdminModule.forRoot', () => {
  it('refuses to mount without a guard, naming the option', () => {
    expect(() => CacheAdminModule.forRoot(undefined as never)).toThrow(CacheError);
    expect(() => CacheAdminModule.forRoot({} as never)).toThrow(/option "guard" is required/);
    expect(() => CacheAdminModule.forRoot({ guard: 'yes' as never })).toThrow(/option "guard" is required/);
    expect(() => CacheAdminModule.forRoot({ guard: OperatorGuard, path: 'a b' })).toThrow(/option "path"/);
  });
});

describe.each([
  ['Express', () => new ExpressAdapter()],
  ['Fastify', () => new FastifyAdapter()],
])('the operations endpoint over HTTP (%s)', (_name, adapter) => {
  const db = useRedisServer();
  let app: INestApplication;
  let cache: CacheManager;
  const http = () => request(app.getHttpServer());
  const admin = (call: request.Test) => call.set('x-admin-token', TOKEN);

  beforeAll(async () => {
    const module = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot({ namespace: 'ops', redis: { url: db.server.url } }),
        CacheAdminModule.forRoot({ guard: OperatorGuard }),
      ],
    }).compile();
    app = module.createNestApplication(adapter(), { logger: false });
    await app.init();
    if (app.getHttpAdapter().getType() === 'fastify') await app.getHttpAdapter().getInstance().ready();
    cache = app.get(CacheManager);
  });
  afterAll(() => app?.close());
  beforeEach(() => db.redis.flushdb());

  it('401 without a token and 403 with a wrong one, on every route; nothing is removed', async () => {
    await cache.set('kept', 1);
    for (const call of [
      () => http().get('/cache/stats'),
      () => http().delete('/cache/keys/kept'),
      () =>
        http()
          .post('/cache/invalidate')
          .send({ keys: ['kept'] }),
    ]) {
      await call().expect(401);
      await call().set('x-admin-token', 'guess').expect(403);
    }
    expect(await cache.get('kept')).toBe(1);
  });

  it('GET /cache/stats: the namespace summary', async () => {
    await cache.getOrSet('a', () => 'A');
    await cache.get('a');
    const { body } = await admin(http().get('/cache/stats')).expect(200);
    expect(body).toMatchObject({ namespace: 'ops', circuit: 'closed', footprint: null });
    for (const field of ['hits', 'misses', 'loads', 'errors']) expect(body[field]).toEqual(expect.any(Number));
    expect(body.hits).toBeGreaterThanOrEqual(1);
    expect(body.misses).toBeGreaterThanOrEqual(1);
    expect(body.hitRatio).toBeGreaterThan(0);
    expect(body.meanLoadMs).toEqual(expect.any(Number));
  });

  it('DELETE /cache/keys/:key removes one key of the namespace', async () => {
    await cache.set('user:1', { name: 'Ada' });
    expect((await admin(http().delete('/cache/keys/user:1')).expect(200)).body).toEqual({ removed: 1 });
    expect(await db.redis.exists('ops:user:1')).toBe(0);
    expect((await admin(http().delete('/cache/keys/user:1')).expect(200)).body).toEqual({ removed: 0 });
  });

  it('DELETE refuses a key the API refuses (400, with the rule)', async () => {
    const reserved = await admin(http().delete('/cache/keys/__lock__:x')).expect(400);
    expect(reserved.body.message).toMatch(/reserved for stampede locks/);
  });

  it('POST /cache/invalidate: keys, a prefix and tags in one call', async () => {
    await cache.mset([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
      { key: 'user:1', value: 3 },
      { key: 'user:2', value: 4 },
      { key: 'other', value: 5 },
    ]);
    await cache.set('report', 'tagged', { tags: ['team:7'] });
    const { body } = await admin(
      http()
        .post('/cache/invalidate')
        .send({ keys: ['a', 'b'], prefix: 'user:', tags: ['team:7'] }),
    ).expect(200);
    expect(body).toEqual({ removed: 4, tags: 1 });
    expect(await cache.mget(['a', 'b', 'user:1', 'user:2', 'report', 'other'])).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      5,
    ]);
  });

  it.each([
    ['not an object', [1, 2], /JSON object/],
    ['empty', {}, /at least one of keys, prefix and tags/],
    ['an unknown field', { keys: ['a'], pattern: '*' }, /unknown field "pattern"/],
    ['keys not an array', { keys: 'a' }, /keys must be an array/],
    ['a key that is not a string', { keys: ['a', 7] }, /keys\[1\] is invalid: .*key must be a string/],
    ['a reserved key', { keys: ['__tag__:x'] }, /keys\[0\] is invalid: .*reserved for tag tokens/],
    ['a key over 1024 characters', { keys: ['k'.repeat(1025)] }, /keys\[0\] is invalid: .*key length must be 1\.\.1024/],
    ['1001 keys', { keys: Array.from({ length: 1001 }, (_, i) => `k${i}`) }, /keys must be an array of 1\.\.1000 keys/],
    ['an empty prefix', { prefix: '' }, /prefix is invalid: .*key length/],
    ['a tag with a space', { tags: ['team 7'] }, /tags is invalid: .*printable ASCII/],
    ['no tags', { tags: [] }, /at least one tag/],
  ])('POST /cache/invalidate with %s: 400 naming the rule, nothing removed', async (_what, body, message) => {
    await cache.set('a', 1);
    const response = await admin(
      http()
        .post('/cache/invalidate')
        .send(body as object),
    ).expect(400);
    expect(response.body.message).toMatch(message);
    expect(await cache.get('a')).toBe(1);
  });
});
