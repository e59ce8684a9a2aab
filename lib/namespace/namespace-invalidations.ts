import { CacheError } from '../kernel/cache-error.js';
import { CacheKeys } from '../kernel/cache-keys.js';
import { resolveVersion, type CacheVersion } from '../kernel/cache-version.js';
import { validTags } from '../invalidation/tags/tag-rules.js';
import type { Invalidator } from '../invalidation/invalidator.js';

/** Most tags one invalidateTags call takes (an entry carries at most 8). */
const MAX_TAGS_PER_INVALIDATION = 1000;

/** What a namespace's callers remove: keys, tags, a prefix, the namespace, another version. All go through the invalidator. */
export class NamespaceInvalidations {
  constructor(
    private readonly keys: CacheKeys,
    private readonly invalidator: Invalidator,
  ) {}

  async invalidateTags(tags: string | readonly string[]): Promise<void> {
    const list = validTags(tags, 'invalidate', undefined, MAX_TAGS_PER_INVALIDATION);
    if (list.length === 0) return;
    await this.invalidator.run('invalidate', list.length === 1 ? `tag:${list[0]}` : undefined, { kind: 'tags', tags: list });
  }

  async invalidate(keys: string | readonly string[]): Promise<number> {
    const list = typeof keys === 'string' ? [keys] : keys;
    const fullKeys = list.map((key) => this.keys.full(key, 'invalidate'));
    return this.invalidator.run('invalidate', list.length === 1 ? list[0] : undefined, { kind: 'keys', fullKeys });
  }

  async invalidatePrefix(prefix: string): Promise<number> {
    const fullPrefix = this.keys.full(prefix, 'invalidate');
    return this.invalidator.run('invalidate', prefix, { kind: 'prefix', fullPrefix, keepReserved: true });
  }

  clear(): Promise<number> {
    return this.invalidator.run('clear', undefined, { kind: 'prefix', fullPrefix: this.keys.prefix, keepReserved: false });
  }

  clearVersion(version: CacheVersion): Promise<number> {
    try {
      const old = resolveVersion(version, 'clearVersion(version)', 'clear');
      if (old === this.keys.version) {
        throw new CacheError(
          'clear',
          undefined,
          `version ${JSON.stringify(old)} is the current version of "${this.keys.namespace}": use clear() to remove its keys`,
        );
      }
      const fullPrefix = CacheKeys.prefixOf(this.keys.namespace, old);
      return this.invalidator.run('clear', undefined, { kind: 'prefix', fullPrefix, keepReserved: false });
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
