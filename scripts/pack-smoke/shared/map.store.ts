// A user's own CacheStore, copied into both pack-smoke apps (nest11-cjs, nest12-esm) by scripts/pack-smoke.sh.
import type { CacheStore, StoreEntry } from '@datapunk/nestjs-cache';

interface Stored {
  value: Buffer;
  expiresAt: number;
}

/** A store of the app's own (the `store` option): entries in a Map, each with its expiry time. */
export class MapStore implements CacheStore {
  readonly kind = 'map';
  private readonly entries = new Map<string, Stored>();

  async get(key: string): Promise<Buffer | undefined> {
    return this.live(key)?.value;
  }
  async mget(keys: readonly string[]): Promise<Array<Buffer | undefined>> {
    return keys.map((key) => this.live(key)?.value);
  }
  async set(key: string, value: Buffer, ttlMs: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: Date.now() + ttlMs });
  }
  async mset(entries: ReadonlyArray<StoreEntry>): Promise<void> {
    for (const { key, value, ttlMs } of entries) await this.set(key, value, ttlMs);
  }
  async delete(keys: readonly string[]): Promise<number> {
    return keys.filter((key) => this.live(key) !== undefined && this.entries.delete(key)).length;
  }
  async has(key: string): Promise<boolean> {
    return this.live(key) !== undefined;
  }
  async ttl(key: string): Promise<number | undefined> {
    const found = this.live(key);
    return found === undefined ? undefined : found.expiresAt - Date.now();
  }
  async deletePrefix(prefix: string): Promise<number> {
    return this.delete([...this.entries.keys()].filter((key) => key.startsWith(prefix)));
  }
  async acquireLock(key: string, token: string, ttlMs: number): Promise<boolean> {
    if (this.live(key) !== undefined) return false;
    await this.putToken(key, token, ttlMs);
    return true;
  }
  async releaseLock(key: string, token: string): Promise<void> {
    if (this.live(key)?.value.toString('latin1') === token) this.entries.delete(key);
  }
  async ensureTokens(keys: readonly string[], candidates: readonly string[], ttlMs: number): Promise<string[]> {
    return keys.map((key, i) => {
      const found = this.live(key);
      if (found !== undefined) return found.value.toString('latin1');
      this.entries.set(key, { value: Buffer.from(candidates[i], 'latin1'), expiresAt: Date.now() + ttlMs });
      return candidates[i];
    });
  }
  async replaceTokens(keys: readonly string[], tokens: readonly string[]): Promise<void> {
    keys.forEach((key, i) => {
      const found = this.live(key);
      if (found !== undefined) found.value = Buffer.from(tokens[i], 'latin1');
    });
  }
  async extendTokens(keys: readonly string[], ttlMs: number): Promise<void> {
    for (const key of keys) {
      const found = this.live(key);
      if (found !== undefined) found.expiresAt = Math.max(found.expiresAt, Date.now() + ttlMs);
    }
  }
  async putToken(key: string, token: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { value: Buffer.from(token, 'latin1'), expiresAt: Date.now() + ttlMs });
  }
  async connect(): Promise<void> {}
  async close(): Promise<void> {
    this.entries.clear();
  }

  /** The entry under `key` unless it has expired (an expired one is dropped). */
  private live(key: string): Stored | undefined {
    const found = this.entries.get(key);
    if (found !== undefined && found.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return found;
  }
}
