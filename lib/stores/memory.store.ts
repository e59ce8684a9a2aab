import { LRUCache } from 'lru-cache';
import type { CacheStore, StoreEntry } from './cache-store.interface.js';

/**
 * The embedded default: an in-process LRU used when no Redis is configured,
 * so an app runs with no infrastructure. Not shared between processes.
 */
export class MemoryStore implements CacheStore {
  readonly kind = 'memory';
  private readonly lru: LRUCache<string, Buffer | string>;

  constructor(maxEntries: number) {
    // ttlResolution 0: a fresh clock on every check, so a TTL never reads longer than it was set.
    this.lru = new LRUCache<string, Buffer | string>({ max: maxEntries, ttlAutopurge: false, ttlResolution: 0 });
  }

  async get(key: string): Promise<Buffer | undefined> {
    return this.entry(key);
  }

  async mget(keys: readonly string[]): Promise<Array<Buffer | undefined>> {
    return keys.map((key) => this.entry(key));
  }

  async set(key: string, value: Buffer, ttlMs: number): Promise<void> {
    this.lru.set(key, value, { ttl: ttlMs });
  }

  async mset(entries: ReadonlyArray<StoreEntry>): Promise<void> {
    for (const { key, value, ttlMs } of entries) this.lru.set(key, value, { ttl: ttlMs });
  }

  async delete(keys: readonly string[]): Promise<number> {
    let removed = 0;
    for (const key of keys) if (this.lru.delete(key)) removed++;
    return removed;
  }

  async has(key: string): Promise<boolean> {
    return this.lru.has(key);
  }

  async ttl(key: string): Promise<number | undefined> {
    if (!this.lru.has(key)) return undefined;
    return Math.floor(this.lru.getRemainingTTL(key)); // whole milliseconds, as Redis PTTL
  }

  async deletePrefix(prefix: string): Promise<number> {
    let removed = 0;
    for (const key of [...this.lru.keys()]) {
      if (key.startsWith(prefix) && this.lru.delete(key)) removed++;
    }
    return removed;
  }

  async acquireLock(key: string, token: string, ttlMs: number): Promise<boolean> {
    if (this.lru.has(key)) return false;
    this.lru.set(key, token, { ttl: ttlMs });
    return true;
  }

  async releaseLock(key: string, token: string): Promise<void> {
    if (this.lru.get(key) === token) this.lru.delete(key);
  }

  async connect(): Promise<void> {}

  /** Entries are Buffers; a lock's token (a string) reads as absent, as a Redis lock key holds no entry. */
  private entry(key: string): Buffer | undefined {
    const value = this.lru.get(key);
    return typeof value === 'string' ? undefined : value;
  }

  async close(): Promise<void> {
    this.lru.clear();
  }
}
