import { deflateRawSync } from 'node:zlib';
import { Packr } from 'msgpackr';
import { CacheError, type CacheManager, type CacheModuleOptions } from '@datapunk/nestjs-cache';
import { metricValue } from '../faults/fault-harness.js';
import { bootCache } from '../support/cache-app.js';
import { useRedisServer } from '../support/redis-fixture.js';
import { waitUntil } from '../support/wait-until.js';

const SERIALIZER = { json: 0, msgpack: 1 } as const;

/** An entry header (24 bytes, logical expiry a minute away) in front of `value`, as something other than the cache wrote it. */
function entry(serializer: number, value: Buffer, compressed?: { decodedLength: number }): Buffer {
  const header = Buffer.alloc(24);
  header[0] = 0x81;
  header[1] = serializer | (compressed === undefined ? 0 : 5 << 4);
  header.writeUInt16BE(24, 2);
  header.writeUIntBE(Date.now(), 4, 6);
  header.writeUIntBE(Date.now() + 60_000, 10, 6);
  header.writeUInt32BE(compressed?.decodedLength ?? value.length, 20);
  return Buffer.concat([header, value]);
}

function nestedArrays(levels: number): unknown {
  let value: unknown[] = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

const deepText = (levels: number): Buffer => Buffer.from('['.repeat(levels) + ']'.repeat(levels));

const rawPackr = new Packr({ moreTypes: true, structuredClone: true });
const cyclic = (): unknown => {
  const node: Record<string, unknown> = { name: 'loop' };
  node.self = node;
  return node;
};

describe('reads refuse what the writer refuses: such an entry is a miss, counted as corrupt, and removed', () => {
  const db = useRedisServer();
  let count = 0;

  async function withCache(options: Partial<CacheModuleOptions>, run: (cache: CacheManager, namespace: string) => Promise<void>): Promise<void> {
    const namespace = `refusals${++count}`;
    const { module, cache } = await bootCache({ namespace, redis: { url: db.server.url }, ...options });
    try {
      await run(cache, namespace);
    } finally {
      await module.close();
    }
  }

  async function expectCorruptMiss(cache: CacheManager, namespace: string, bytes: Buffer): Promise<void> {
    await db.redis.set(`${namespace}:k`, bytes, 'PX', 60_000);
    const value = await cache.get('k');
    expect(value === undefined).toBe(true); // not toBeUndefined: printing a 10^6-deep array overflows the stack
    expect(await metricValue('cache_errors_total', { namespace, operation: 'deserialize', reason: 'corrupt' })).toBe(1);
    await waitUntil(`${namespace}:k removed`, 2_000, async () => (await db.redis.exists(`${namespace}:k`)) === 0);
  }

  describe('JSON', () => {
    it('a 10^6-deep array written straight into Redis is refused before it is parsed', async () => {
      // A 2 MB reply can outlast the default 250 ms operation timeout on a loaded CI box; the refusal is what is tested here.
      await withCache({ resilience: { operationTimeout: 10_000 } }, async (cache, namespace) => {
        const startedAt = performance.now();
        await expectCorruptMiss(cache, namespace, entry(SERIALIZER.json, deepText(1_000_000)));
        console.log(`read refusals: a 10^6-deep JSON entry was refused in ${(performance.now() - startedAt).toFixed(0)} ms`);
      });
    });

    it('nesting: 1,000 levels are written and read back; 1,001 are refused by set, and by get, mget and getOrSet', async () => {
      await withCache({}, async (cache, namespace) => {
        await cache.set('deepest', nestedArrays(1000));
        expect(JSON.stringify(await cache.get('deepest'))).toBe(JSON.stringify(nestedArrays(1000)));
        const refused = await cache.set('deeper', nestedArrays(1001)).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(CacheError);
        expect((refused as CacheError).message).toMatch(/nests deeper than 1000 levels/);
        for (const key of ['a', 'b', 'c']) await db.redis.set(`${namespace}:${key}`, entry(SERIALIZER.json, deepText(1001)), 'PX', 60_000);
        expect((await cache.get('a')) === undefined).toBe(true);
        expect((await cache.mget(['b']))[0] === undefined).toBe(true);
        expect(await cache.getOrSet('c', () => 'loaded')).toBe('loaded');
        expect(await metricValue('cache_errors_total', { namespace, operation: 'deserialize', reason: 'corrupt' })).toBe(3);
      });
    });

    it('brackets inside strings do not count as nesting', async () => {
      await withCache({}, async (cache) => {
        const value = { text: '['.repeat(5000), escaped: '\\"['.repeat(2000), list: ['{'.repeat(3000)] };
        await cache.set('k', value);
        expect(await cache.get('k')).toEqual(value);
      });
    });

    it('a compressed deep entry, and a bare one as 0.1.0 wrote them, are refused too', async () => {
      await withCache({}, async (cache, namespace) => {
        const text = deepText(5000);
        await expectCorruptMiss(cache, namespace, entry(SERIALIZER.json, deflateRawSync(text), { decodedLength: text.length }));
      });
      await withCache({}, async (cache, namespace) => expectCorruptMiss(cache, namespace, deepText(5000)));
    });

    it('a number that overflows to Infinity (1e999) is refused: the writer refuses Infinity', async () => {
      await withCache({}, async (cache, namespace) => {
        await expectCorruptMiss(cache, namespace, entry(SERIALIZER.json, Buffer.from('{"price":1e999}')));
        await cache.set('fine', { small: 1e-7, big: 1.5e300, long: '1'.repeat(400) });
        expect(await cache.get('fine')).toEqual({ small: 1e-7, big: 1.5e300, long: '1'.repeat(400) });
      });
    });
  });

  describe("msgpack: extensions that rebuild RegExp, Error and cyclic values are off unless the namespace asks (option 'msgpackTypes')", () => {
    it('a cyclic value (msgpackr structured-clone references) is refused', async () => {
      await withCache({ serializer: 'msgpack', msgpackTypes: ['RegExp', 'Error'] }, async (cache, namespace) => {
        await expectCorruptMiss(cache, namespace, entry(SERIALIZER.msgpack, Buffer.from(rawPackr.pack(cyclic()))));
      });
    });

    it.each([
      ['a RegExp', () => /(a+)+$/],
      ['an Error', () => new TypeError('never thrown here')],
      ['a value nested 1,100 levels', () => nestedArrays(1100)],
    ])('%s written straight into Redis is refused by default, in a JSON namespace too', async (_label, make) => {
      const bytes = entry(SERIALIZER.msgpack, Buffer.from(rawPackr.pack(make())));
      await withCache({ serializer: 'msgpack' }, async (cache, namespace) => expectCorruptMiss(cache, namespace, bytes));
      await withCache({}, async (cache, namespace) => expectCorruptMiss(cache, namespace, bytes));
    });

    it('set refuses RegExp and Error by default, with a CacheError naming the option', async () => {
      await withCache({ serializer: 'msgpack' }, async (cache, namespace) => {
        for (const value of [{ pattern: /x/ }, { failure: new Error('boom') }]) {
          const refused = await cache.set('k', value).catch((error: unknown) => error);
          expect(refused).toBeInstanceOf(CacheError);
          expect((refused as CacheError).message).toMatch(/option "msgpackTypes" includes/);
        }
        expect(await db.redis.exists(`${namespace}:k`)).toBe(0);
      });
    });

    it('a namespace that names them stores and reads them back; one that does not, next to it, still refuses them', async () => {
      await withCache({ serializer: 'msgpack', namespaces: { rich: { msgpackTypes: ['RegExp', 'Error'] } } }, async (cache) => {
        const rich = cache.withNamespace('rich');
        await rich.set('k', { pattern: /ab+c/gi, failure: new RangeError('out of range') });
        const read = await rich.get<{ pattern: RegExp; failure: Error }>('k');
        expect(Object.prototype.toString.call(read!.pattern)).toBe('[object RegExp]');
        expect([read!.pattern.source, read!.pattern.flags]).toEqual(['ab+c', 'gi']);
        expect([read!.failure.name, read!.failure.message]).toEqual(['RangeError', 'out of range']);
        await expect(cache.set('k', { pattern: /x/ })).rejects.toThrow(/msgpackTypes/);
        await db.redis.set('plain:copied', (await db.redis.getBuffer('rich:k'))!, 'PX', 60_000);
        expect(await cache.withNamespace('plain').get('copied')).toBeUndefined();
        expect(await metricValue('cache_errors_total', { namespace: 'plain', operation: 'deserialize', reason: 'corrupt' })).toBe(1);
      });
    });

    it('refuses an unknown msgpackTypes entry at boot, naming the option', async () => {
      await expect(bootCache({ namespace: 'types', msgpackTypes: ['Function' as 'RegExp'] })).rejects.toThrow(
        /option "msgpackTypes" must be an array of 'RegExp', 'Error'/,
      );
    });
  });
});
