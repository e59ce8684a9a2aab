import { CacheError } from '../../lib/kernel/cache-error.js';
import { CacheKeys } from '../../lib/kernel/cache-keys.js';
import { LONGEST_MEMOIZED_KEY, MemoizedCacheKeys } from '../../lib/kernel/memoized-cache-keys.js';

describe('MemoizedCacheKeys (the key layout of a namespace with an in-process tier)', () => {
  const asked = ['order:1', 'v2', '__x', 'k'.repeat(LONGEST_MEMOIZED_KEY + 1), 'order:1', 'v2'];

  it.each([[undefined], ['7']])('builds the same keys as CacheKeys, asked again or not (version %p)', (version) => {
    const plain = new CacheKeys('orders', version);
    const memoized = new MemoizedCacheKeys('orders', version, 2);
    for (const key of [...asked, ...asked]) expect(memoized.full(key, 'get')).toBe(plain.full(key, 'get'));
  });

  it('refuses a bad key every time it is asked, before and after good ones were remembered', () => {
    const keys = new MemoizedCacheKeys('orders', undefined, 4);
    keys.full('order:1', 'get');
    for (let round = 0; round < 2; round++) {
      for (const bad of ['', '__lock__:order:1', 'k'.repeat(1025), undefined, 42, {}]) {
        expect(() => keys.full(bad, 'get')).toThrow(CacheError);
      }
    }
  });

  it('refuses a reserved key in an unversioned namespace even after the same text was asked in another form', () => {
    const keys = new MemoizedCacheKeys('orders', undefined, 4);
    expect(() => keys.full('v1:__tag__:t', 'set')).toThrow(/reserved|tag tokens/);
    expect(() => keys.full('v1:__tag__:t', 'get')).toThrow(CacheError);
  });

  it('keeps at most maxKeys keys: past that it starts again, still answering right', () => {
    const keys = new MemoizedCacheKeys('orders', undefined, 3);
    const memo = (keys as unknown as { memo: Map<string, string> }).memo;
    for (let i = 0; i < 10; i++) {
      expect(keys.full(`k${i}`, 'get')).toBe(`orders:k${i}`);
      expect(memo.size).toBeLessThanOrEqual(3);
    }
    keys.full('k'.repeat(LONGEST_MEMOIZED_KEY + 1), 'get');
    expect([...memo.keys()].every((key) => key.length <= LONGEST_MEMOIZED_KEY)).toBe(true);
  });
});
