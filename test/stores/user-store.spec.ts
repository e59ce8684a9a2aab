import type { CacheStore, StoreEntry } from '@datapunk/nestjs-cache';
import { CacheError } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';

/** A store of the user's own: a Map with expiry times, and a switch that makes every call fail. */
class MapStore implements CacheStore {
  readonly kind = 'map';
  failing = false;
  private readonly entries = new Map<string, { value: Buffer | string; expiresAt: number }>();

  async get(key: string) {
    this.check();
    const found = this.entries.get(key);
    if (!found || found.expiresAt <= Date.now()) return undefined;
    return Buffer.isBuffer(found.value) ? found.value : Buffer.from(found.value, 'latin1');
  }
  async mget(keys: readonly string[]) {
    return Promise.all(keys.map((key) => this.get(key)));
  }
  async set(key: string, value: Buffer, ttlMs: number) {
    this.check();
    this.entries.set(key, { value, expiresAt: Date.now() + ttlMs });
  }
  async mset(entries: ReadonlyArray<StoreEntry>) {
    for (const { key, value, ttlMs } of entries) await this.set(key, value, ttlMs);
  }
  async delete(keys: readonly string[]) {
    this.check();
    return keys.filter((key) => this.entries.delete(key)).length;
  }
  async has(key: string) {
    return (await this.get(key)) !== undefined;
  }
  async ttl(key: string) {
    const found = this.entries.get(key);
    return found ? found.expiresAt - Date.now() : undefined;
  }
  async deletePrefix(prefix: string) {
    return this.delete([...this.entries.keys()].filter((key) => key.startsWith(prefix)));
  }
  async acquireLock(key: string, token: string, ttlMs: number) {
    if (this.entries.has(key)) return false;
    this.entries.set(key, { value: token, expiresAt: Date.now() + ttlMs });
    return true;
  }
  async releaseLock(key: string, token: string) {
    if (this.entries.get(key)?.value === token) this.entries.delete(key);
  }
  async ensureTokens(keys: readonly string[], candidates: readonly string[], ttlMs: number) {
    return keys.map((key, i) => {
      const found = this.entries.get(key);
      if (found && found.expiresAt > Date.now()) return String(found.value);
      this.entries.set(key, { value: candidates[i], expiresAt: Date.now() + ttlMs });
      return candidates[i];
    });
  }
  async replaceTokens(keys: readonly string[], tokens: readonly string[]) {
    keys.forEach((key, i) => {
      const found = this.entries.get(key);
      if (found) found.value = tokens[i];
    });
  }
  async extendTokens(keys: readonly string[], ttlMs: number) {
    for (const key of keys) {
      const found = this.entries.get(key);
      if (found) found.expiresAt = Math.max(found.expiresAt, Date.now() + ttlMs);
    }
  }
  async putToken(key: string, token: string, ttlMs: number) {
    this.entries.set(key, { value: token, expiresAt: Date.now() + ttlMs });
  }
  async connect() {}
  async close() {}
  private check() {
    if (this.failing) throw new Error('store unavailable');
  }
}

describe('a store the user brings (option "store")', () => {
  it('backs the CacheManager: entries, read-through, prefix invalidation and clear go through it', async () => {
    const store = new MapStore();
    const { module, cache } = await bootCache({ namespace: 'own', store });
    try {
      await cache.set('a', { n: 1 });
      expect(await cache.get('a')).toEqual({ n: 1 });
      expect(await cache.getOrSet('b', () => 'loaded')).toBe('loaded');
      expect(await cache.getOrSet('b', () => 'again')).toBe('loaded');
      expect(await cache.invalidatePrefix('a')).toBe(1);
      expect(await cache.clear()).toBe(1);
      expect(await cache.get('a')).toBeUndefined();
    } finally {
      await module.close();
    }
  });

  it('is behind the circuit breaker: failures reject direct calls with CacheError, read-through serves the loader', async () => {
    const store = new MapStore();
    const { module, cache } = await bootCache({ namespace: 'own-failing', store });
    try {
      store.failing = true;
      await expect(cache.get('a')).rejects.toBeInstanceOf(CacheError);
      expect(await cache.getOrSet('a', () => 'from loader')).toBe('from loader');
    } finally {
      await module.close();
    }
  });

  it('is refused at boot when it lacks a method, naming it', async () => {
    const broken = { kind: 'broken', get: async () => undefined } as unknown as CacheStore;
    await expect(bootCache({ namespace: 'own-broken', store: broken })).rejects.toThrow(/option "store" must implement CacheStore: missing mget/);
  });
});
