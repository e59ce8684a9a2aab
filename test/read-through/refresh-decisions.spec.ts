import { shouldRefreshEarly } from '../../lib/entry/refresh-ahead.js';
import { freshnessOf, jitteredTtlMs, NO_ENTRY_POLICY, staleWindowMs, type EntryPolicy } from '../../lib/entry/entry-policy.js';
import { resolveEntryPolicy } from '../../lib/options/resolve-entry-policy.js';
import { CacheError } from '@datapunk/nestjs-cache';

const policy = (overrides: Partial<EntryPolicy>): EntryPolicy => ({ ...NO_ENTRY_POLICY, ...overrides });

describe('refresh decisions (pure)', () => {
  it('XFetch refreshes early with probability exp(-timeToExpiry / (loadTime * beta))', () => {
    // random() = 1 - e^-1 gives ln(1 - random()) = -1: the refresh starts exactly loadTime*beta before expiry.
    const draw = () => 1 - Math.exp(-1);
    expect(shouldRefreshEarly(1000, 1100, 100, 1, draw)).toBe(true); // 100 ms left, δβ = 100 ms
    expect(shouldRefreshEarly(1000, 1101, 100, 1, draw)).toBe(false);
    expect(shouldRefreshEarly(1000, 1200, 100, 2, draw)).toBe(true); // β = 2 starts twice as early
    expect(shouldRefreshEarly(1000, 1001, 0, 1, () => 0.999)).toBe(false); // never loaded through read-through: no estimate
    let trials = 0;
    let early = 0;
    for (let i = 0; i < 20_000; i++, trials++) if (shouldRefreshEarly(0, 200, 100, 1)) early++;
    expect(early / trials).toBeGreaterThan(Math.exp(-2) - 0.02);
    expect(early / trials).toBeLessThan(Math.exp(-2) + 0.02);
  });

  it('classifies an entry by its age against the stale windows', () => {
    const p = policy({ staleWhileRevalidateMs: 100, staleIfErrorMs: 1000 });
    expect(freshnessOf(2000, 0, 1999, p)).toBe('fresh');
    expect(freshnessOf(2000, 0, 2000, p)).toBe('revalidate');
    expect(freshnessOf(2000, 0, 2099, p)).toBe('revalidate');
    expect(freshnessOf(2000, 0, 2100, p)).toBe('stale-if-error');
    expect(freshnessOf(2000, 0, 2999, p)).toBe('stale-if-error');
    expect(freshnessOf(2000, 0, 3000, p)).toBe('expired');
    expect(freshnessOf(2000, 0, 2000, NO_ENTRY_POLICY)).toBe('expired'); // a call without windows does not serve stale
    expect(freshnessOf(0, 0, 5000, NO_ENTRY_POLICY)).toBe('fresh'); // no logical expiry recorded: Redis expires it
    expect(staleWindowMs(p)).toBe(1000);
  });

  it('spreads TTLs by the jitter fraction', () => {
    const p = policy({ ttlJitter: 0.1 });
    expect(jitteredTtlMs(10_000, p, () => 0)).toBe(9000);
    expect(jitteredTtlMs(10_000, p, () => 0.5)).toBe(10_000);
    expect(jitteredTtlMs(10_000, p, () => 0.99999)).toBe(11_000);
    expect(jitteredTtlMs(10_000, NO_ENTRY_POLICY, () => 0)).toBe(10_000);
  });

  it('validates the options, naming the option', () => {
    const name = (option: string) => `option "${option}"`;
    expect(resolveEntryPolicy({ refreshAhead: { beta: 2 }, staleIfError: '1m', loaderTimeout: 200 }, NO_ENTRY_POLICY, name)).toEqual({
      ...NO_ENTRY_POLICY,
      refreshBeta: 2,
      staleIfErrorMs: 60_000,
      loaderTimeoutMs: 200,
    });
    expect(resolveEntryPolicy({ refreshAhead: true }, NO_ENTRY_POLICY, name).refreshBeta).toBe(1);
    expect(resolveEntryPolicy({ staleIfError: false }, policy({ staleIfErrorMs: 5 }), name).staleIfErrorMs).toBe(0);
    expect(() => resolveEntryPolicy({ refreshAhead: { beta: 0 } }, NO_ENTRY_POLICY, name)).toThrow(
      'option "refreshAhead.beta" must be a positive number',
    );
    expect(() => resolveEntryPolicy({ ttlJitter: 1.5 }, NO_ENTRY_POLICY, name)).toThrow(CacheError);
    expect(() => resolveEntryPolicy({ staleWhileRevalidate: 'soon' }, NO_ENTRY_POLICY, name)).toThrow('option "staleWhileRevalidate"');
  });
});
