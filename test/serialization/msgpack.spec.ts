import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CacheError } from '@datapunk/nestjs-cache';
import { metricValue } from '../faults/fault-harness.js';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { assertSampleAppBuilt } from '../support/sample-app-process.js';

const run = promisify(execFile);

class Money {
  constructor(readonly cents: number) {}
  format(): string {
    return `${this.cents / 100}`;
  }
}

describe("serializer: 'msgpack' on a real Redis", () => {
  const db = useRedisServer();

  it('round-trips Date, Map (any keys), Set, BigInt, Buffer and undefined inside arrays and nested objects', async () => {
    const { module, cache } = await bootCache({ namespace: 'packed', serializer: 'msgpack', redis: { url: db.server.url } });
    const value = {
      at: new Date('2026-11-25T12:34:56.789Z'),
      byId: new Map<unknown, unknown>([
        [1, 'one'],
        [{ composite: true }, ['a', 'b']],
      ]),
      tags: new Set(['a', 'b']),
      big: 2n ** 80n,
      small: -42n,
      bytes: Buffer.from([0, 255, 128]),
      holesAsUndefined: [1, undefined, 3],
      nested: { missing: undefined, deep: { list: [new Date(0), { n: null }] } },
      infinite: Number.POSITIVE_INFINITY,
    };
    try {
      await cache.set('everything', value);
      const read = await cache.get<typeof value>('everything');
      expect(read).toEqual(value);
      expect(read!.at).toBeInstanceOf(Date);
      expect(read!.byId).toBeInstanceOf(Map);
      expect(read!.tags).toBeInstanceOf(Set);
      expect(read!.holesAsUndefined).toHaveLength(3);
      expect('missing' in read!.nested).toBe(true);
      expect(await cache.getOrSet('loaded', () => new Map([['k', new Set([1n])]]))).toEqual(new Map([['k', new Set([1n])]]));
      expect(await cache.get('loaded')).toEqual(new Map([['k', new Set([1n])]]));
    } finally {
      await module.close();
    }
  });

  it('round-trips every typed array kind, in plain Node outside Jest (the built package in a child process)', async () => {
    assertSampleAppBuilt(); // the script imports dist/
    const script = fileURLToPath(new URL('../support/msgpack-roundtrip.mjs', import.meta.url));
    const { stdout } = await run(process.execPath, [script, db.server.url], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual({ checked: 8, mismatches: [] });
  });

  it.each([
    ['a function', { run: () => 1 }, /a function cannot be stored/],
    ['a symbol', { id: Symbol('x') }, /a symbol cannot be stored/],
    ['a class instance with behaviour', { price: new Money(500) }, /an instance of Money/],
    [
      'a circular structure',
      (() => {
        const node: Record<string, unknown> = {};
        node.self = node;
        return node;
      })(),
      /circular/,
    ],
    ['a sparse array', [1, , 3], /sparse array/],
  ])('refuses %s with a CacheError on set, storing nothing', async (_label, value, message) => {
    const { module, cache } = await bootCache({ namespace: 'refusing', serializer: 'msgpack', redis: { url: db.server.url } });
    try {
      const error = await cache.set('bad', value).catch((failure: unknown) => failure);
      expect(error).toBeInstanceOf(CacheError);
      expect((error as CacheError).operation).toBe('set');
      expect((error as CacheError).message).toMatch(message);
      expect(await db.redis.exists('refusing:bad')).toBe(0);
      expect(await metricValue('cache_errors_total', { namespace: 'refusing', operation: 'set', reason: 'serialization' })).toBeGreaterThan(
        0,
      );
    } finally {
      await module.close();
    }
  });

  it('moves one namespace to msgpack without a flag day: either setting reads what the other wrote', async () => {
    const jsonApp = await bootCache({ namespace: 'rollout', redis: { url: db.server.url } });
    const packedApp = await bootCache({ namespace: 'rollout', serializer: 'msgpack', redis: { url: db.server.url } });
    try {
      await jsonApp.cache.set('old', { written: 'by json' });
      await packedApp.cache.set('new', { written: 'by msgpack', at: new Date(5) });
      expect(await packedApp.cache.get('old')).toEqual({ written: 'by json' });
      expect(await jsonApp.cache.get('new')).toEqual({ written: 'by msgpack', at: new Date(5) });
    } finally {
      await jsonApp.module.close();
      await packedApp.module.close();
    }
  });

  it('withNamespace(ns, { serializer }) and the namespaces option give one namespace its own serializer', async () => {
    const { module, cache } = await bootCache({
      namespace: 'root',
      redis: { url: db.server.url },
      namespaces: { configured: { serializer: 'msgpack' } },
    });
    try {
      const byCall = cache.withNamespace('by-call', { serializer: 'msgpack' });
      await byCall.set('m', new Map([[1, 2]]));
      expect(await byCall.get('m')).toEqual(new Map([[1, 2]]));
      await cache.withNamespace('configured').set('s', new Set([1]));
      expect(await cache.withNamespace('configured').get('s')).toEqual(new Set([1]));
      // The root namespace keeps strict JSON, which refuses a Map rather than storing {}.
      await expect(cache.set('m', new Map([[1, 2]]))).rejects.toThrow(/Map, which JSON would store as \{\}/);
      expect(cache.withNamespace('by-call', { serializer: 'msgpack' })).toBe(byCall);
      expect(() => cache.withNamespace('by-call', { serializer: 'json' })).toThrow(
        /already in use with other serializer\/compression settings/,
      );
    } finally {
      await module.close();
    }
  });
});
