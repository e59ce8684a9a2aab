import { deflateRawSync } from 'node:zlib';
import type { CacheManager } from '@datapunk/nestjs-cache';
import { EntryCodec } from '../../lib/entry/entry-codec.js';
import type { TagStamp } from '../../lib/entry/entry-format.js';
import { resolveEncoding } from '../../lib/options/resolve-encoding.js';
import { compressorFor } from '../../lib/serialization/compression/compressors.js';
import { metricValue } from '../faults/fault-harness.js';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { waitUntil } from '../support/wait-until.js';

const MiB = 1024 * 1024;

function meta(): { createdAt: number; logicalExpiresAt: number; loadMicros: number } {
  const createdAt = Date.now();
  return { createdAt, logicalExpiresAt: createdAt + 60_000, loadMicros: 0 };
}

/** An honest entry, as the cache would write it, to damage afterwards. */
function entryOf(value: unknown, options: { compression?: 'deflate' | 'lz4'; stamps?: TagStamp[] } = {}): Buffer {
  const compression = options.compression === undefined ? false : { algorithm: options.compression, threshold: 0 };
  return new EntryCodec(resolveEncoding('json', compression, 5 * MiB, '')).encode(value, meta(), options.stamps);
}

/** A 24-byte header in front of `value`: json, `compression` id, `decodedLength` as given. */
function framed(value: Buffer, compressionId: number, decodedLength: number, headerLength = 24): Buffer {
  const header = entryOf('x').subarray(0, 24);
  header[1] = compressionId << 4;
  header.writeUInt16BE(headerLength, 2);
  header.writeUInt32BE(decodedLength, 20);
  return Buffer.concat([header, value]);
}

/** The hostile entries, each written straight into Redis, and why each is damaged. */
const damaged: Array<[string, () => Buffer]> = [
  [
    'a header length below 24 (the bytes from there parse as JSON: 12)',
    () => {
      const entry = framed(Buffer.from('2'), 0, 1, 23);
      entry[23] = 0x31; // '1', the last byte of the decoded length, now read as the start of the value
      return entry;
    },
  ],
  [
    'a header length past the end of the entry',
    () => {
      const entry = entryOf({ a: 1 });
      entry.writeUInt16BE(0xffff, 2);
      return entry;
    },
  ],
  [
    'an uncompressed value whose length is not the decoded length its header records',
    () => {
      const entry = entryOf({ a: 1 });
      entry.writeUInt32BE(entry.readUInt32BE(20) + 3, 20);
      return entry;
    },
  ],
  [
    'an extension field that runs past the header',
    () => {
      const entry = entryOf({ a: 1 }, { stamps: [['color', 'tok1']] });
      entry.writeUInt16BE(0x0fff, 25); // the tags field's length
      return entry;
    },
  ],
  [
    'a tags field whose tag runs past the field',
    () => {
      const entry = entryOf({ a: 1 }, { stamps: [['color', 'tok1']] });
      entry[28] = 200; // the first tag's length
      return entry;
    },
  ],
  [
    'a tags field that counts more tags than it holds',
    () => {
      const entry = entryOf({ a: 1 }, { stamps: [['color', 'tok1']] });
      entry[27] = 9; // the tag count
      return entry;
    },
  ],
  [
    'a deflated value whose header claims 64 MiB',
    () => framed(deflateRawSync(Buffer.from('"hello"')), 5, 64 * MiB - 1),
  ],
  [
    'a deflated value that inflates past the decoded length its header records',
    () => framed(deflateRawSync(Buffer.from('"hello, world"')), 5, 7),
  ],
  [
    'an lz4 value whose size prefix disagrees with the header',
    () => {
      const entry = entryOf('y'.repeat(2000), { compression: 'lz4' });
      expect(entry[1] >> 4).toBe(3); // lz4 really compressed it
      entry.writeUInt32BE(entry.readUInt32BE(20) - 1, 20);
      return entry;
    },
  ],
];

async function deserializeErrors(namespace: string): Promise<number> {
  return metricValue('cache_errors_total', { namespace, operation: 'deserialize' });
}

/** The removal is sent right after the read, without holding it up: wait for it. */
function expectRemoved(redis: { exists: (...keys: string[]) => Promise<number> }, ...keys: string[]): Promise<void> {
  return waitUntil(`${keys.join(', ')} removed`, 2_000, async () => (await redis.exists(...keys)) === 0);
}

describe('damaged entries written straight into Redis: each read is a miss, counted, and the key is removed', () => {
  const db = useRedisServer();
  let namespaceCount = 0;

  async function withCache(run: (cache: CacheManager, namespace: string) => Promise<void>): Promise<void> {
    const namespace = `hostile${++namespaceCount}`;
    const { module, cache } = await bootCache({ namespace, redis: { url: db.server.url } });
    try {
      await run(cache, namespace);
    } finally {
      await module.close();
    }
  }

  it('lz4-napi is installed, so the lz4 case is real', () => {
    expect(compressorFor('lz4')).toBeDefined();
  });

  it.each(damaged)('get: %s', async (_label, hostile) => {
    await withCache(async (cache, namespace) => {
      await db.redis.set(`${namespace}:k`, hostile(), 'PX', 60_000);
      expect(await cache.get('k')).toBeUndefined();
      expect(await deserializeErrors(namespace)).toBe(1);
      expect(await metricValue('cache_misses_total', { namespace })).toBe(1);
      await expectRemoved(db.redis, `${namespace}:k`);
    });
  });

  it.each(damaged)('mget and getOrSet: %s (getOrSet runs its loader)', async (_label, hostile) => {
    await withCache(async (cache, namespace) => {
      await db.redis.set(`${namespace}:a`, hostile(), 'PX', 60_000);
      await db.redis.set(`${namespace}:b`, hostile(), 'PX', 60_000);
      expect(await cache.mget(['a'])).toEqual([undefined]);
      expect(await cache.getOrSet('b', () => 'loaded')).toBe('loaded');
      expect(await deserializeErrors(namespace)).toBe(2);
      await expectRemoved(db.redis, `${namespace}:a`);
      expect(await cache.get('b')).toBe('loaded');
    });
  });

  it('a header claiming 64 MiB does not size inflate’s output: 16 such reads grow array buffers by under 4 MiB', async () => {
    await withCache(async (cache, namespace) => {
      const keys = Array.from({ length: 16 }, (_, i) => `lying${i}`);
      const hostile = framed(deflateRawSync(Buffer.from('"hello"')), 5, 64 * MiB - 1);
      for (const key of keys) await db.redis.set(`${namespace}:${key}`, hostile, 'PX', 60_000);
      await cache.mget(['warm-up']);
      const before = process.memoryUsage().arrayBuffers;
      const values = await cache.mget(keys);
      const grownMiB = (process.memoryUsage().arrayBuffers - before) / MiB;
      console.log(`hostile entries: 16 reads of a deflate entry whose header claims 64 MiB grew array buffers by ${grownMiB.toFixed(1)} MiB`);
      expect(values).toEqual(keys.map(() => undefined));
      expect(grownMiB).toBeLessThan(4);
      expect(await deserializeErrors(namespace)).toBe(16);
      await expectRemoved(db.redis, ...keys.map((key) => `${namespace}:${key}`));
    });
  });
});
