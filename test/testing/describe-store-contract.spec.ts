import type { CacheStore } from '@datapunk/nestjs-cache';
import { MemoryStore } from '../../lib/stores/memory.store.js';
import { describeStoreContract, type StoreContractSetup } from '../../lib/testing/describe-store-contract.js';

/** A store of a user's own with none of the optional parts: MemoryStore's required methods, deletePrefix without options. */
class PlainStore implements CacheStore {
  readonly kind = 'plain';
  private readonly inner = new MemoryStore(10_000);
  get = (key: string) => this.inner.get(key);
  mget = (keys: readonly string[]) => this.inner.mget(keys);
  set = (key: string, value: Buffer, ttlMs: number) => this.inner.set(key, value, ttlMs);
  mset: CacheStore['mset'] = (entries) => this.inner.mset(entries);
  delete = (keys: readonly string[]) => this.inner.delete(keys);
  has = (key: string) => this.inner.has(key);
  ttl = (key: string) => this.inner.ttl(key);
  deletePrefix = (prefix: string) => this.inner.deletePrefix(prefix);
  acquireLock = (key: string, token: string, ttlMs: number) => this.inner.acquireLock(key, token, ttlMs);
  releaseLock = (key: string, token: string) => this.inner.releaseLock(key, token);
  ensureTokens: CacheStore['ensureTokens'] = (keys, candidates, ttlMs) => this.inner.ensureTokens(keys, candidates, ttlMs);
  replaceTokens: CacheStore['replaceTokens'] = (keys, tokens) => this.inner.replaceTokens(keys, tokens);
  extendTokens: CacheStore['extendTokens'] = (keys, ttlMs) => this.inner.extendTokens(keys, ttlMs);
  putToken = (key: string, token: string, ttlMs: number) => this.inner.putToken(key, token, ttlMs);
  connect = () => this.inner.connect();
  close = () => this.inner.close();
}

/** The cases describeStoreContract registers, collected by a runner of our own instead of Jest's. */
function registeredCases(store: CacheStore, optional?: StoreContractSetup['optional']) {
  const blocks: string[] = [];
  const cases = new Map<string, () => Promise<void>>();
  describeStoreContract('PlainStore', () => store, {
    describe: (name, body) => {
      blocks.push(name);
      body();
    },
    it: (name, body) => cases.set(name, body),
    optional,
  });
  return { blocks, cases };
}

const plain = new PlainStore();
afterAll(() => plain.close());

// The whole contract, minus the optional parts, through Jest's own describe/it: what a user with such a store writes.
describeStoreContract('PlainStore', () => plain, { describe, it, optional: [] });

describe('describeStoreContract', () => {
  it('registers one describe block, and the optional parts only when the store claims them', () => {
    const all = registeredCases(plain);
    const required = registeredCases(plain, []);
    const withCas = registeredCases(plain, ['setIfUnchanged']);
    expect(all.blocks).toEqual(['PlainStore: the CacheStore contract']);
    expect(all.cases.size).toBe(19);
    expect(required.cases.size).toBe(15);
    expect([...withCas.cases.keys()].filter((name) => !required.cases.has(name))).toEqual([
      'setIfUnchanged writes only while the key still starts with the expected bytes',
    ]);
  });

  it('fails a claimed optional part the store lacks with a message that names it and the way out', async () => {
    const { cases } = registeredCases(plain); // every optional part claimed by default
    await expect(cases.get('setIfUnchanged writes only while the key still starts with the expected bytes')!()).rejects.toThrow(
      "the store has no setIfUnchanged: implement it, or leave 'setIfUnchanged' out of the contract's optional parts",
    );
    // A deletePrefix that ignores `keep` removes all four keys where the contract expects two.
    await expect(cases.get('deletePrefix leaves the keys `keep` names')!()).rejects.toThrow(/4 !== 2/);
  });
});
