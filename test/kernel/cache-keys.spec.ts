import { CacheError } from '../../lib/kernel/cache-error.js';
import { assertValidNamespace, CacheKeys, MAX_KEY_LENGTH } from '../../lib/kernel/cache-keys.js';
import { escapeGlob } from '../../lib/stores/redis/redis.store.js';

describe('CacheKeys', () => {
  const keys = new CacheKeys('orders');

  it('prefixes keys with the namespace', () => {
    expect(keys.full('order:1', 'get')).toBe('orders:order:1');
    expect(keys.prefix).toBe('orders:');
  });

  it('accepts a key of the maximum length and refuses one longer', () => {
    expect(keys.full('k'.repeat(MAX_KEY_LENGTH), 'set')).toHaveLength(MAX_KEY_LENGTH + 'orders:'.length);
    expect(() => keys.full('k'.repeat(MAX_KEY_LENGTH + 1), 'set')).toThrow(CacheError);
  });

  it.each([[''], [undefined], [null], [42], [{}]])('refuses key %p', (key) => {
    expect(() => keys.full(key, 'get')).toThrow(CacheError);
  });

  it.each([['orders'], ['billing-v2'], ['a.b_c']])('accepts namespace %p', (namespace) => {
    expect(() => assertValidNamespace(namespace)).not.toThrow();
  });

  it.each([[''], ['with space'], ['glob*'], ['colon:'], [undefined], [7]])('refuses namespace %p', (namespace) => {
    expect(() => assertValidNamespace(namespace)).toThrow(/option "namespace"/);
  });

  it('escapes glob characters so a prefix matches only itself', () => {
    expect(escapeGlob('a*b?[c]\\d')).toBe('a\\*b\\?\\[c\\]\\\\d');
  });
});
