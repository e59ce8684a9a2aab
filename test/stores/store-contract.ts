import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import type { CacheStore } from '../../lib/stores/cache-store.interface.js';
import { FIXED_HEADER_BYTES, MARKER } from '../../lib/entry/entry-format.js';

/** Bytes that start like an entry created at `createdAt` (ms since the epoch): all deleteCreatedBefore reads. */
function entryCreatedAt(createdAt: number): Buffer {
  const bytes = Buffer.alloc(FIXED_HEADER_BYTES + 4);
  bytes[0] = MARKER;
  bytes.writeUInt16BE(FIXED_HEADER_BYTES, 2);
  bytes.writeUIntBE(createdAt, 4, 6);
  return bytes;
}

/** A store under test; every test uses a fresh key prefix, so tests never see each other's keys. */
export interface StoreUnderTest {
  store: CacheStore;
}

let prefixCounter = 0;
const newPrefix = () => `contract${++prefixCounter}:`;

/**
 * The behaviour every CacheStore must have, run against each store (memory, Redis standalone, Redis Cluster).
 * `subject` is read inside the tests: the spec fills it in its beforeAll.
 */
export function describeStoreContract(name: string, subject: () => StoreUnderTest): void {
  describe(`${name}: the CacheStore contract`, () => {
    const store = () => subject().store;

    it('reads an absent key as null or undefined', async () => {
      expect(await store().get(`${newPrefix()}absent`)).toBeFalsy();
    });

    it('stores bytes exactly, including 0x00, 0xFF and invalid UTF-8', async () => {
      const key = `${newPrefix()}binary`;
      const bytes = Buffer.from([0x81, 0x00, 0xff, 0xfe, 0xc3, 0x28, 0x0a, 0x0d, 0x00]);
      await store().set(key, bytes, 60_000);
      const found = await store().get(key);
      expect(Buffer.isBuffer(found)).toBe(true);
      expect(Buffer.compare(found!, bytes)).toBe(0);
    });

    it('keeps a 1 MiB value whole', async () => {
      const key = `${newPrefix()}large`;
      const bytes = Buffer.alloc(1024 * 1024, 0);
      for (let i = 0; i < bytes.length; i += 997) bytes[i] = i % 251;
      await store().set(key, bytes, 60_000);
      expect(Buffer.compare((await store().get(key))!, bytes)).toBe(0);
    });

    it('expires an entry after its TTL and reports the remaining TTL before that', async () => {
      const key = `${newPrefix()}short`;
      await store().set(key, Buffer.from('x'), 150);
      const remaining = await store().ttl(key);
      expect(remaining).toBeGreaterThan(0);
      expect(remaining).toBeLessThanOrEqual(150);
      expect(await store().has(key)).toBe(true);
      await sleep(300);
      expect(await store().get(key)).toBeFalsy();
      expect(await store().has(key)).toBe(false);
      expect(await store().ttl(key)).toBeUndefined();
    });

    it('replaces a value and its TTL on a second set', async () => {
      const key = `${newPrefix()}twice`;
      await store().set(key, Buffer.from('one'), 100);
      await store().set(key, Buffer.from('two'), 60_000);
      await sleep(200);
      expect((await store().get(key))?.toString()).toBe('two');
    });

    it('setIfUnchanged writes only while the key still starts with the expected bytes', async () => {
      const key = `${newPrefix()}cas`;
      const seen = Buffer.from([0x81, 1, 2, 3, 0xff, 9, 9]);
      expect(await store().setIfUnchanged!(key, seen.subarray(0, 5), Buffer.from('refreshed'), 60_000)).toBe(false); // absent: not created
      expect(await store().get(key)).toBeFalsy();
      await store().set(key, seen, 60_000);
      expect(await store().setIfUnchanged!(key, Buffer.from([0x81, 1, 2, 3, 0xfe]), Buffer.from('lost'), 60_000)).toBe(false);
      expect(await store().setIfUnchanged!(key, seen.subarray(0, 5), Buffer.from('refreshed'), 60_000)).toBe(true);
      expect((await store().get(key))?.toString()).toBe('refreshed');
      expect(await store().ttl(key)).toBeGreaterThan(50_000);
    });

    it('mget answers in the order asked, with misses in place (keys on many slots)', async () => {
      const prefix = newPrefix();
      const keys = Array.from({ length: 40 }, (_, i) => `${prefix}k${i}`);
      await store().mset(keys.filter((_, i) => i % 3 !== 0).map((key) => ({ key, value: Buffer.from(key), ttlMs: 60_000 })));
      const found = await store().mget(keys);
      expect(found.map((bytes) => bytes?.toString() ?? null)).toEqual(keys.map((key, i) => (i % 3 === 0 ? null : key)));
      expect(await store().mget([])).toEqual([]);
    });

    it('mset gives each entry its own TTL', async () => {
      const prefix = newPrefix();
      await store().mset([
        { key: `${prefix}brief`, value: Buffer.from('a'), ttlMs: 100 },
        { key: `${prefix}long`, value: Buffer.from('b'), ttlMs: 60_000 },
      ]);
      await sleep(250);
      expect(await store().get(`${prefix}brief`)).toBeFalsy();
      expect((await store().get(`${prefix}long`))?.toString()).toBe('b');
    });

    it('delete removes the keys given and counts those that existed', async () => {
      const prefix = newPrefix();
      await store().mset(['a', 'b', 'c'].map((k) => ({ key: prefix + k, value: Buffer.from(k), ttlMs: 60_000 })));
      expect(await store().delete([`${prefix}a`, `${prefix}c`, `${prefix}missing`])).toBe(2);
      expect(await store().has(`${prefix}a`)).toBe(false);
      expect(await store().has(`${prefix}b`)).toBe(true);
      expect(await store().delete([])).toBe(0);
    });

    it('deletePrefix removes exactly the keys under the prefix, taking glob characters literally', async () => {
      const prefix = newPrefix();
      const inside = Array.from({ length: 30 }, (_, i) => `${prefix}p*?[x]:${i}`);
      const outside = [`${prefix}p*?[y]:1`, `${prefix}pZ?[x]:1`, `${prefix}q:1`];
      await store().mset([...inside, ...outside].map((key) => ({ key, value: Buffer.from('v'), ttlMs: 60_000 })));
      expect(await store().deletePrefix(`${prefix}p*?[x]:`)).toBe(inside.length);
      expect((await store().mget(inside)).every((bytes) => bytes == null)).toBe(true);
      for (const key of outside) expect(await store().has(key)).toBe(true);
    });

    it('deletePrefix leaves the keys `keep` names', async () => {
      const prefix = newPrefix();
      const keys = [`${prefix}a`, `${prefix}__own__:1`, `${prefix}b`, `${prefix}__own__:2`];
      await store().mset(keys.map((key) => ({ key, value: Buffer.from('v'), ttlMs: 60_000 })));
      expect(await store().deletePrefix(prefix, { keep: (key) => key.includes(':__own__:') })).toBe(2);
      expect(await Promise.all(keys.map((key) => store().has(key)))).toEqual([false, true, false, true]);
    });

    it('deleteCreatedBefore removes entries created before the time and anything that is not an entry, nothing newer', async () => {
      const prefix = newPrefix();
      const at = Date.now();
      // Keys spread over many slots on a Cluster.
      const older = Array.from({ length: 20 }, (_, i) => ({ key: `${prefix}older:${i}`, value: entryCreatedAt(at - 1), ttlMs: 60_000 }));
      const newer = Array.from({ length: 20 }, (_, i) => ({ key: `${prefix}newer:${i}`, value: entryCreatedAt(at), ttlMs: 60_000 }));
      const others = [
        { key: `${prefix}token`, value: Buffer.from('a-tag-token'), ttlMs: 60_000 },
        { key: `${prefix}short`, value: entryCreatedAt(at + 1000).subarray(0, 12), ttlMs: 60_000 }, // a truncated header
      ];
      await store().mset([...older, ...newer, ...others]);
      const all = [...older, ...newer, ...others].map(({ key }) => key);
      expect(await store().deleteCreatedBefore!([...all, `${prefix}absent`], at)).toBe(older.length + others.length);
      const left = await Promise.all(all.map((key) => store().has(key)));
      expect(all.filter((_key, i) => left[i])).toEqual(newer.map(({ key }) => key));
    });

    it('deletePrefix with createdBefore removes only what was created before it', async () => {
      const prefix = newPrefix();
      const at = Date.now();
      await store().mset([
        { key: `${prefix}old`, value: entryCreatedAt(at - 60_000), ttlMs: 60_000 },
        { key: `${prefix}new`, value: entryCreatedAt(at + 1), ttlMs: 60_000 },
      ]);
      expect(await store().deletePrefix(prefix, { createdBefore: at })).toBe(1);
      expect(await store().has(`${prefix}new`)).toBe(true);
      expect(await store().has(`${prefix}old`)).toBe(false);
    });

    it('a lock is held by one caller at a time and released only with its token', async () => {
      const key = `${newPrefix()}lock`;
      expect(await store().acquireLock(key, 'first', 60_000)).toBe(true);
      expect(await store().acquireLock(key, 'second', 60_000)).toBe(false);
      await store().releaseLock(key, 'second'); // not the holder: no effect
      expect(await store().acquireLock(key, 'third', 60_000)).toBe(false);
      await store().releaseLock(key, 'first');
      expect(await store().acquireLock(key, 'third', 60_000)).toBe(true);
    });

    it('a lock expires when its holder never releases it', async () => {
      const key = `${newPrefix()}abandoned`;
      expect(await store().acquireLock(key, 'gone', 100)).toBe(true);
      await sleep(250);
      expect(await store().acquireLock(key, 'next', 60_000)).toBe(true);
    });

    it('ensureTokens keeps an existing token and stores the candidate where there is none, atomically per key', async () => {
      const prefix = newPrefix();
      const keys = [`${prefix}t:a`, `${prefix}t:b`];
      await store().putToken(keys[0], 'existing', 60_000);
      expect(await store().ensureTokens(keys, ['cand-a', 'cand-b'], 60_000)).toEqual(['existing', 'cand-b']);
      expect(await store().ensureTokens(keys, ['x', 'y'], 60_000)).toEqual(['existing', 'cand-b']);
      expect((await store().mget(keys)).map((bytes) => bytes?.toString('latin1'))).toEqual(['existing', 'cand-b']);
      const [created] = await store().ensureTokens([`${prefix}t:short`], ['short'], 100);
      expect(created).toBe('short');
      await sleep(250);
      expect(await store().get(`${prefix}t:short`)).toBeFalsy();
    });

    it('replaceTokens replaces only existing tokens and keeps their TTL', async () => {
      const prefix = newPrefix();
      await store().putToken(`${prefix}t:a`, 'old', 60_000);
      await store().replaceTokens([`${prefix}t:a`, `${prefix}t:absent`], ['new-a', 'new-absent']);
      expect((await store().get(`${prefix}t:a`))?.toString('latin1')).toBe('new-a');
      expect(await store().ttl(`${prefix}t:a`)).toBeGreaterThan(50_000);
      expect(await store().get(`${prefix}t:absent`)).toBeFalsy();
    });

    it('extendTokens lengthens a token’s life and never shortens it', async () => {
      const prefix = newPrefix();
      await store().putToken(`${prefix}t:a`, 'a', 100);
      await store().putToken(`${prefix}t:b`, 'b', 60_000);
      await store().extendTokens([`${prefix}t:a`, `${prefix}t:b`, `${prefix}t:absent`], 10_000);
      expect(await store().ttl(`${prefix}t:a`)).toBeGreaterThan(5_000);
      expect(await store().ttl(`${prefix}t:b`)).toBeGreaterThan(50_000);
      expect(await store().has(`${prefix}t:absent`)).toBe(false);
    });

    it('connect is idempotent and names its kind', async () => {
      await store().connect();
      await store().connect();
      expect(typeof store().kind).toBe('string');
    });
  });
}
