import type { TestingModule } from '@nestjs/testing';
import type { CacheManager } from '@datapunk/nestjs-cache';
import { allocateEntry, CompressionId, SerializerId } from '../../lib/entry/entry-format.js';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { metricValue } from '../faults/fault-harness.js';
import { waitUntil } from '../support/wait-until.js';

/** Deeper than structuredClone's recursion reaches, while JSON.parse (iterative) reads it without trouble. */
const DEPTH = 20_000;

/**
 * With `l1: { clone: true }` the tier keeps its own copy of what it serves. A stored value it cannot copy (nesting
 * deeper than structuredClone's stack) is a miss, counted, and getOrSet loads: no call rejects with the RangeError.
 */
describe('l1 clone: a value the tier cannot copy is a counted miss', () => {
  const redis = useRedisServer();
  const namespace = 'l1clonefail';
  let module: TestingModule;
  let cache: CacheManager;

  beforeAll(async () => {
    ({ module, cache } = await bootCache({ namespace, redis: { url: redis.server.url }, l1: { clone: true } }));
  });

  afterAll(() => module?.close());

  /** Writes a JSON entry of `DEPTH` nested arrays straight into Redis (as any other writer of the key could). */
  async function writeDeep(key: string, depth = DEPTH): Promise<void> {
    const text = '['.repeat(depth) + ']'.repeat(depth);
    const now = Date.now();
    const meta = { createdAt: now, logicalExpiresAt: now + 60_000, loadMicros: 0 };
    const { entry, valueOffset } = allocateEntry(SerializerId.json, CompressionId.none, meta, text.length, text.length);
    entry.write(text, valueOffset, 'latin1');
    await redis.redis.set(`${namespace}:${key}`, entry, 'PX', 60_000);
  }

  const failures = () => metricValue('cache_errors_total', { namespace, operation: 'deserialize' });

  it('get returns a miss and counts it', async () => {
    await writeDeep('deep-get');
    const before = await failures();
    await expect(cache.get('deep-get')).resolves.toBeUndefined();
    expect(await failures()).toBe(before + 1);
  });

  it('mget returns a miss for that key only, and counts it', async () => {
    await writeDeep('deep-mget');
    await cache.set('plain', { n: 1 });
    const before = await failures();
    await expect(cache.mget(['deep-mget', 'plain'])).resolves.toEqual([undefined, { n: 1 }]);
    expect(await failures()).toBe(before + 1);
  });

  it('getOrSet runs the loader, counts the miss and stores what the loader returned', async () => {
    await writeDeep('deep-load');
    const before = await failures();
    let loads = 0;
    const value = await cache.getOrSet('deep-load', () => {
      loads++;
      return { fresh: true };
    });
    expect(value).toEqual({ fresh: true });
    expect(loads).toBe(1);
    expect(await failures()).toBe(before + 1);
    expect(await cache.get('deep-load')).toEqual({ fresh: true });
  });

  it('a held value that cannot be copied at a hit (a caller deep in its stack) is counted and read from Redis instead', async () => {
    const depth = 500; // copied on a shallow stack: when the reply fills the tier, and at a hit from a test
    await writeDeep('held', depth);
    await waitUntil('held in memory', 2000, async () => {
      await cache.get('held');
      const hits = await metricValue('cache_l1_hits_total', { namespace });
      await cache.get('held');
      return (await metricValue('cache_l1_hits_total', { namespace })) === hits + 1;
    });
    // Nested calls until the value no longer copies there, then a get from that depth: the hit's copy fails.
    const value = JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;
    const fromDeepStack = (levels: number): Promise<unknown> | undefined => {
      if (levels > 0) return fromDeepStack(levels - 1);
      try {
        structuredClone(value);
        return undefined;
      } catch {
        return cache.get('held');
      }
    };
    const before = await failures();
    let pending: Promise<unknown> | undefined;
    for (let levels = 0; pending === undefined; levels += 50) pending = fromDeepStack(levels);
    const served = await pending;
    expect(JSON.stringify(served)).toBe('['.repeat(depth) + ']'.repeat(depth));
    expect(await failures()).toBe(before + 1);
  });
});
