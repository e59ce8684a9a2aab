import { deflateRawSync } from 'node:zlib';
import { Packr } from 'msgpackr';
import type { TestingModule } from '@nestjs/testing';
import type { CacheManager, CacheModuleOptions } from '@datapunk/nestjs-cache';
import { allocateEntry, CompressionId, SerializerId } from '../../lib/entry/entry-format.js';
import { bootCache } from '../support/cache-app.js';
import { KiB, MiB, retainedMemory } from '../support/heap.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { metricValue } from '../faults/fault-harness.js';

/** What the in-process tier holds, measured after full collections against the bound it was given. */
describe('l1 memory: maxBytes bounds what the tier really holds', () => {
  const redis = useRedisServer();
  let modules: TestingModule[] = [];
  let seq = 0;

  async function boot(options: Partial<CacheModuleOptions>): Promise<{ cache: CacheManager; namespace: string }> {
    const namespace = `l1mem${++seq}`;
    const { module, cache } = await bootCache({ namespace, redis: { url: redis.server.url }, ...options });
    modules.push(module);
    return { cache, namespace };
  }

  afterEach(async () => {
    await Promise.all(modules.map((module) => module.close()));
    modules = [];
  });

  it('counts decoded bytes: compressible values under maxBytes 1 MiB hold at most a small multiple of 1 MiB', async () => {
    const { cache, namespace } = await boot({ l1: { maxBytes: MiB } });
    const keys = Array.from({ length: 60 }, (_, i) => `doc${i}`);
    // 512 KiB of text each, a few hundred bytes once deflated: 30 MiB decoded in all.
    for (const [i, key] of keys.entries()) await cache.set(key, String(i).padEnd(512 * KiB, 'x'));
    const before = retainedMemory();
    for (const key of keys) expect(((await cache.get<string>(key)) ?? '').length).toBe(512 * KiB);
    const grown = retainedMemory().heapUsed - before.heapUsed;
    expect(await metricValue('cache_l1_bytes', { namespace })).toBeLessThanOrEqual(MiB);
    expect(grown).toBeLessThan(4 * MiB);
  });

  it('a small Buffer value keeps no larger decompression chunk alive', async () => {
    const { cache } = await boot({ serializer: 'msgpack', compression: { algorithm: 'gzip' }, l1: {} });
    const keys = Array.from({ length: 200 }, (_, i) => `bin${i}`);
    // 2 KiB each, compressible: stored gzipped, and gunzip writes into 16 KiB output chunks.
    for (const [i, key] of keys.entries()) await cache.set(key, Buffer.alloc(2 * KiB, i));
    const before = retainedMemory();
    for (const [i, key] of keys.entries()) expect((await cache.get<Buffer>(key))?.[0]).toBe(i % 256);
    const grown = retainedMemory().arrayBuffers - before.arrayBuffers;
    expect(grown).toBeLessThan(keys.length * 4 * KiB); // 400 KiB of values; 16 KiB each held 3.2 MiB
  });

  it('a 41-byte entry claiming a 16 MiB decoded length keeps nothing large alive', async () => {
    const { cache, namespace } = await boot({ serializer: 'msgpack', l1: {} });
    const packed = new Packr({ moreTypes: true }).pack(Buffer.from('tiny'));
    const deflated = deflateRawSync(packed);
    const now = Date.now();
    const meta = { createdAt: now, logicalExpiresAt: now + 60_000, loadMicros: 0 };
    for (let i = 0; i < 8; i++) {
      const { entry, valueOffset } = allocateEntry(SerializerId.msgpack, CompressionId.deflate, meta, deflated.length, 16 * MiB);
      entry.set(deflated, valueOffset);
      await redis.redis.set(`${namespace}:lying${i}`, entry, 'PX', 60_000);
    }
    const before = retainedMemory();
    for (let i = 0; i < 8; i++) await cache.get(`lying${i}`);
    const grown = retainedMemory().arrayBuffers - before.arrayBuffers;
    expect(grown).toBeLessThan(MiB); // 8 entries held 128 MiB
  });

  it('creating 100 namespaces with l1 costs little up front', async () => {
    const { cache } = await boot({ l1: {}, maxRuntimeNamespaces: 200 });
    const plain = Array.from({ length: 100 }, (_, i) => `plain${i}`);
    const withL1 = Array.from({ length: 100 }, (_, i) => `tiered${i}`);
    const start = retainedMemory().heapUsed;
    const a = plain.map((name) => cache.withNamespace(name, { l1: false }));
    const middle = retainedMemory().heapUsed;
    const b = withL1.map((name) => cache.withNamespace(name, { l1: {} }));
    const end = retainedMemory().heapUsed;
    expect(a.length + b.length).toBe(200);
    const perTier = (end - middle - (middle - start)) / 100;
    expect(perTier).toBeLessThan(32 * KiB); // was 364 KiB: lru-cache preallocated arrays for maxEntries
  });
});
