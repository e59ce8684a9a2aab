import { entryLifetime, NO_ENTRY_POLICY, type EntryPolicy } from '../../lib/entry/entry-policy.js';

const policy = (overrides: Partial<EntryPolicy>): EntryPolicy => ({ ...NO_ENTRY_POLICY, ...overrides });

describe('entryLifetime (pure): a write TTL becomes its logical and its Redis TTL', () => {
  it('without jitter or stale windows, both are the TTL', () => {
    expect(entryLifetime(60_000, NO_ENTRY_POLICY)).toEqual({ logicalMs: 60_000, physicalMs: 60_000 });
  });

  it('Redis keeps the entry for the longer stale window past its logical TTL', () => {
    const stale = policy({ staleWhileRevalidateMs: 5_000, staleIfErrorMs: 30_000 });
    expect(entryLifetime(60_000, stale)).toEqual({ logicalMs: 60_000, physicalMs: 90_000 });
  });

  it('jitter spreads the logical TTL within ± ttlJitter, and the Redis TTL follows it', () => {
    const jittered = policy({ ttlJitter: 0.1, staleWhileRevalidateMs: 1_000 });
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const { logicalMs, physicalMs } = entryLifetime(10_000, jittered);
      expect(logicalMs).toBeGreaterThanOrEqual(9_000);
      expect(logicalMs).toBeLessThanOrEqual(11_000);
      expect(physicalMs).toBe(logicalMs + 1_000);
      seen.add(logicalMs);
    }
    expect(seen.size).toBeGreaterThan(20); // spread, not one value
  });
});
