import { CacheError } from '../lib/core/cache-error.js';
import { parseTtl } from '../lib/core/ttl.js';

describe('parseTtl', () => {
  it.each([
    [1500, 1500],
    [0.4, 1],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['2d', 172_800_000],
    ['250', 250],
  ])('reads %p as %p milliseconds', (ttl, expected) => {
    expect(parseTtl(ttl, 'set')).toBe(expected);
  });

  it.each([0, -1, '-5m', '0s', 'soon', '', Number.NaN, Number.POSITIVE_INFINITY, null, {}])('refuses %p', (ttl) => {
    expect(() => parseTtl(ttl, 'set', 'k')).toThrow(CacheError);
  });

  it('names the operation, the key and what was parsed', () => {
    try {
      parseTtl(0, 'configure', undefined, 'option "defaultTtl"');
      throw new Error('expected a CacheError');
    } catch (error) {
      expect(error).toBeInstanceOf(CacheError);
      expect((error as CacheError).operation).toBe('configure');
      expect((error as CacheError).message).toMatch(/option "defaultTtl" must be positive/);
    }
  });
});
