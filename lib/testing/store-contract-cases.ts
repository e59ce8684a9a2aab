import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { FIXED_HEADER_BYTES, MARKER } from '../entry/entry-format.js';
import type { CacheStore } from '../stores/cache-store.interface.js';

/** The parts of CacheStore a store may leave out (the package then falls back to a slower or wider operation). */
export type OptionalStorePart =
  /** `setIfUnchanged(key, expected, value, ttlMs)`: without it, a background refresh does a read-then-write. */
  | 'setIfUnchanged'
  /** `deleteCreatedBefore(keys, time)`: without it, a replayed invalidation does a read-then-delete. */
  | 'deleteCreatedBefore'
  /** `deletePrefix(prefix, { keep, createdBefore })` honouring its options: without them, every key under the prefix goes. */
  | 'deletePrefixOptions';

/** One behaviour of the contract: a plain async body that throws (node:assert) when the store breaks it. */
export interface StoreContractCase {
  name: string;
  /** The optional part this case checks; it runs only when the store claims that part. */
  part?: OptionalStorePart;
  run(store: CacheStore): Promise<void>;
}

// Each run of the suite uses its own random prefix and each case a fresh one under it, so cases never see each
// other's keys, nor those of another run against the same backend.
const runPrefix = `store-contract:${randomBytes(4).toString('hex')}:`;
let prefixCounter = 0;
const newPrefix = () => `${runPrefix}${++prefixCounter}:`;

/** Bytes that start like an entry created at `createdAt` (ms since the epoch): all deleteCreatedBefore reads. */
function entryCreatedAt(createdAt: number): Buffer {
  const bytes = Buffer.alloc(FIXED_HEADER_BYTES + 4);
  bytes[0] = MARKER;
  bytes.writeUInt16BE(FIXED_HEADER_BYTES, 2);
  bytes.writeUIntBE(createdAt, 4, 6);
  return bytes;
}

function assertAbsent(found: Buffer | null | undefined, what: string): void {
  assert.ok(found == null, `${what}: expected null or undefined, got ${found?.length} bytes`);
}

function assertSameBytes(found: Buffer | null | undefined, expected: Buffer, what: string): void {
  assert.ok(Buffer.isBuffer(found), `${what}: expected a Buffer, got ${found === null ? 'null' : typeof found}`);
  // Not deepEqual: its diff of a 1 MiB buffer would drown the report.
  assert.ok(found.equals(expected), `${what}: ${found.length} bytes read differ from the ${expected.length} written`);
}

/** Fails, naming the way out, when the store lacks an optional method it claims (a case would else throw a TypeError). */
function assertHasMethod(store: CacheStore, method: 'setIfUnchanged' | 'deleteCreatedBefore'): void {
  assert.equal(
    typeof store[method],
    'function',
    `the store has no ${method}: implement it, or leave '${method}' out of the contract's optional parts`,
  );
}

export const STORE_CONTRACT_CASES: readonly StoreContractCase[] = [
  {
    name: 'reads an absent key as null or undefined',
    async run(store) {
      assertAbsent(await store.get(`${newPrefix()}absent`), 'get of an absent key');
    },
  },
  {
    name: 'stores bytes exactly, including 0x00, 0xFF and invalid UTF-8',
    async run(store) {
      const key = `${newPrefix()}binary`;
      const bytes = Buffer.from([0x81, 0x00, 0xff, 0xfe, 0xc3, 0x28, 0x0a, 0x0d, 0x00]);
      await store.set(key, bytes, 60_000);
      assertSameBytes(await store.get(key), bytes, 'get after set');
    },
  },
  {
    name: 'keeps a 1 MiB value whole',
    async run(store) {
      const key = `${newPrefix()}large`;
      const bytes = Buffer.alloc(1024 * 1024, 0);
      for (let i = 0; i < bytes.length; i += 997) bytes[i] = i % 251;
      await store.set(key, bytes, 60_000);
      assertSameBytes(await store.get(key), bytes, 'get of a 1 MiB value');
    },
  },
  {
    name: 'expires an entry after its TTL and reports the remaining TTL before that',
    async run(store) {
      const key = `${newPrefix()}short`;
      await store.set(key, Buffer.from('x'), 150);
      const remaining = await store.ttl(key);
      assert.ok(remaining !== undefined && remaining > 0 && remaining <= 150, `ttl right after set(…, 150): ${remaining}`);
      assert.equal(await store.has(key), true);
      await sleep(300);
      assertAbsent(await store.get(key), 'get after the TTL');
      assert.equal(await store.has(key), false, 'has after the TTL');
      assert.equal(await store.ttl(key), undefined, 'ttl after the TTL');
    },
  },
  {
    name: 'replaces a value and its TTL on a second set',
    async run(store) {
      const key = `${newPrefix()}twice`;
      await store.set(key, Buffer.from('one'), 100);
      await store.set(key, Buffer.from('two'), 60_000);
      await sleep(200);
      assert.equal((await store.get(key))?.toString(), 'two');
    },
  },
  {
    name: 'setIfUnchanged writes only while the key still starts with the expected bytes',
    part: 'setIfUnchanged',
    async run(store) {
      assertHasMethod(store, 'setIfUnchanged');
      const key = `${newPrefix()}cas`;
      const seen = Buffer.from([0x81, 1, 2, 3, 0xff, 9, 9]);
      assert.equal(
        await store.setIfUnchanged!(key, seen.subarray(0, 5), Buffer.from('refreshed'), 60_000),
        false,
        'an absent key is not created',
      );
      assertAbsent(await store.get(key), 'get after a refused setIfUnchanged');
      await store.set(key, seen, 60_000);
      assert.equal(await store.setIfUnchanged!(key, Buffer.from([0x81, 1, 2, 3, 0xfe]), Buffer.from('lost'), 60_000), false, 'other bytes');
      assert.equal(await store.setIfUnchanged!(key, seen.subarray(0, 5), Buffer.from('refreshed'), 60_000), true, 'the bytes expected');
      assert.equal((await store.get(key))?.toString(), 'refreshed');
      assert.ok(((await store.ttl(key)) ?? 0) > 50_000, 'setIfUnchanged sets the TTL given');
    },
  },
  {
    name: 'mget answers in the order asked, with misses in place (keys on many slots)',
    async run(store) {
      const prefix = newPrefix();
      const keys = Array.from({ length: 40 }, (_, i) => `${prefix}k${i}`);
      await store.mset(keys.filter((_, i) => i % 3 !== 0).map((key) => ({ key, value: Buffer.from(key), ttlMs: 60_000 })));
      const found = await store.mget(keys);
      assert.deepEqual(
        found.map((bytes) => bytes?.toString() ?? null),
        keys.map((key, i) => (i % 3 === 0 ? null : key)),
      );
      assert.deepEqual(await store.mget([]), []);
    },
  },
  {
    name: 'mset gives each entry its own TTL',
    async run(store) {
      const prefix = newPrefix();
      await store.mset([
        { key: `${prefix}brief`, value: Buffer.from('a'), ttlMs: 100 },
        { key: `${prefix}long`, value: Buffer.from('b'), ttlMs: 60_000 },
      ]);
      await sleep(250);
      assertAbsent(await store.get(`${prefix}brief`), 'the entry with 100 ms to live, 250 ms later');
      assert.equal((await store.get(`${prefix}long`))?.toString(), 'b');
    },
  },
  {
    name: 'delete removes the keys given and counts those that existed',
    async run(store) {
      const prefix = newPrefix();
      await store.mset(['a', 'b', 'c'].map((k) => ({ key: prefix + k, value: Buffer.from(k), ttlMs: 60_000 })));
      assert.equal(await store.delete([`${prefix}a`, `${prefix}c`, `${prefix}missing`]), 2);
      assert.equal(await store.has(`${prefix}a`), false);
      assert.equal(await store.has(`${prefix}b`), true);
      assert.equal(await store.delete([]), 0);
    },
  },
  {
    name: 'deletePrefix removes exactly the keys under the prefix, taking glob characters literally',
    async run(store) {
      const prefix = newPrefix();
      const inside = Array.from({ length: 30 }, (_, i) => `${prefix}p*?[x]:${i}`);
      const outside = [`${prefix}p*?[y]:1`, `${prefix}pZ?[x]:1`, `${prefix}q:1`];
      await store.mset([...inside, ...outside].map((key) => ({ key, value: Buffer.from('v'), ttlMs: 60_000 })));
      assert.equal(await store.deletePrefix(`${prefix}p*?[x]:`), inside.length);
      assert.ok(
        (await store.mget(inside)).every((bytes) => bytes == null),
        'every key under the prefix is gone',
      );
      for (const key of outside) assert.equal(await store.has(key), true, `${key} is outside the prefix`);
    },
  },
  {
    name: 'deletePrefix leaves the keys `keep` names',
    part: 'deletePrefixOptions',
    async run(store) {
      const prefix = newPrefix();
      const keys = [`${prefix}a`, `${prefix}__own__:1`, `${prefix}b`, `${prefix}__own__:2`];
      await store.mset(keys.map((key) => ({ key, value: Buffer.from('v'), ttlMs: 60_000 })));
      assert.equal(await store.deletePrefix(prefix, { keep: (key) => key.includes(':__own__:') }), 2);
      assert.deepEqual(await Promise.all(keys.map((key) => store.has(key))), [false, true, false, true]);
    },
  },
  {
    name: 'deleteCreatedBefore removes entries created before the time and anything that is not an entry, nothing newer',
    part: 'deleteCreatedBefore',
    async run(store) {
      assertHasMethod(store, 'deleteCreatedBefore');
      const prefix = newPrefix();
      const at = Date.now();
      // Keys spread over many slots on a Cluster.
      const older = Array.from({ length: 20 }, (_, i) => ({ key: `${prefix}older:${i}`, value: entryCreatedAt(at - 1), ttlMs: 60_000 }));
      const newer = Array.from({ length: 20 }, (_, i) => ({ key: `${prefix}newer:${i}`, value: entryCreatedAt(at), ttlMs: 60_000 }));
      const others = [
        { key: `${prefix}token`, value: Buffer.from('a-tag-token'), ttlMs: 60_000 },
        { key: `${prefix}short`, value: entryCreatedAt(at + 1000).subarray(0, 12), ttlMs: 60_000 }, // a truncated header
      ];
      await store.mset([...older, ...newer, ...others]);
      const all = [...older, ...newer, ...others].map(({ key }) => key);
      assert.equal(await store.deleteCreatedBefore!([...all, `${prefix}absent`], at), older.length + others.length);
      const left = await Promise.all(all.map((key) => store.has(key)));
      assert.deepEqual(
        all.filter((_key, i) => left[i]),
        newer.map(({ key }) => key),
      );
    },
  },
  {
    name: 'deletePrefix with createdBefore removes only what was created before it',
    part: 'deletePrefixOptions',
    async run(store) {
      const prefix = newPrefix();
      const at = Date.now();
      await store.mset([
        { key: `${prefix}old`, value: entryCreatedAt(at - 60_000), ttlMs: 60_000 },
        { key: `${prefix}new`, value: entryCreatedAt(at + 1), ttlMs: 60_000 },
      ]);
      assert.equal(await store.deletePrefix(prefix, { createdBefore: at }), 1);
      assert.equal(await store.has(`${prefix}new`), true);
      assert.equal(await store.has(`${prefix}old`), false);
    },
  },
  {
    name: 'a lock is held by one caller at a time and released only with its token',
    async run(store) {
      const key = `${newPrefix()}lock`;
      assert.equal(await store.acquireLock(key, 'first', 60_000), true);
      assert.equal(await store.acquireLock(key, 'second', 60_000), false, 'a held lock');
      await store.releaseLock(key, 'second'); // not the holder: no effect
      assert.equal(await store.acquireLock(key, 'third', 60_000), false, 'released by a caller that does not hold it');
      await store.releaseLock(key, 'first');
      assert.equal(await store.acquireLock(key, 'third', 60_000), true, 'released by its holder');
    },
  },
  {
    name: 'a lock expires when its holder never releases it',
    async run(store) {
      const key = `${newPrefix()}abandoned`;
      assert.equal(await store.acquireLock(key, 'gone', 100), true);
      await sleep(250);
      assert.equal(await store.acquireLock(key, 'next', 60_000), true, 'a lock 150 ms past its TTL');
    },
  },
  {
    name: 'ensureTokens keeps an existing token and stores the candidate where there is none, atomically per key',
    async run(store) {
      const prefix = newPrefix();
      const keys = [`${prefix}t:a`, `${prefix}t:b`];
      await store.putToken(keys[0], 'existing', 60_000);
      assert.deepEqual(await store.ensureTokens(keys, ['cand-a', 'cand-b'], 60_000), ['existing', 'cand-b']);
      assert.deepEqual(await store.ensureTokens(keys, ['x', 'y'], 60_000), ['existing', 'cand-b']);
      assert.deepEqual(
        (await store.mget(keys)).map((bytes) => bytes?.toString('latin1')),
        ['existing', 'cand-b'],
      );
      const [created] = await store.ensureTokens([`${prefix}t:short`], ['short'], 100);
      assert.equal(created, 'short');
      await sleep(250);
      assertAbsent(await store.get(`${prefix}t:short`), 'a token 150 ms past its TTL');
    },
  },
  {
    name: 'replaceTokens replaces only existing tokens and keeps their TTL',
    async run(store) {
      const prefix = newPrefix();
      await store.putToken(`${prefix}t:a`, 'old', 60_000);
      await store.replaceTokens([`${prefix}t:a`, `${prefix}t:absent`], ['new-a', 'new-absent']);
      assert.equal((await store.get(`${prefix}t:a`))?.toString('latin1'), 'new-a');
      assert.ok(((await store.ttl(`${prefix}t:a`)) ?? 0) > 50_000, 'the replaced token keeps its TTL');
      assertAbsent(await store.get(`${prefix}t:absent`), 'replaceTokens of an absent key');
    },
  },
  {
    name: 'extendTokens lengthens a token’s life and never shortens it',
    async run(store) {
      const prefix = newPrefix();
      await store.putToken(`${prefix}t:a`, 'a', 100);
      await store.putToken(`${prefix}t:b`, 'b', 60_000);
      await store.extendTokens([`${prefix}t:a`, `${prefix}t:b`, `${prefix}t:absent`], 10_000);
      assert.ok(((await store.ttl(`${prefix}t:a`)) ?? 0) > 5_000, 'a token with 100 ms left is extended');
      assert.ok(((await store.ttl(`${prefix}t:b`)) ?? 0) > 50_000, 'a token with 60 s left is not shortened');
      assert.equal(await store.has(`${prefix}t:absent`), false, 'extendTokens does not create tokens');
    },
  },
  {
    name: 'connect is idempotent and names its kind',
    async run(store) {
      await store.connect();
      await store.connect();
      assert.equal(typeof store.kind, 'string');
    },
  },
];
