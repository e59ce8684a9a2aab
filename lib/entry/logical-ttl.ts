import { logicalExpiryOf } from './entry-format.js';
import { isLease } from './load-lease.js';

/**
 * Whether an entry is past its logical TTL: Redis keeps it for the stale window (staleWhileRevalidate, staleIfError),
 * for read-through to serve stale; every other read misses it. Clocks of the instances are assumed in step (NTP): a
 * skew moves an entry's logical expiry by as much.
 */
export function isPastLogicalExpiry(bytes: Buffer): boolean {
  const expiresAt = logicalExpiryOf(bytes);
  return expiresAt !== 0 && Date.now() >= expiresAt;
}

/**
 * `ttl(key)`: the logical remainder of the entry (never more than Redis's own TTL), undefined when absent or past its
 * logical TTL; for an entry that records none (0.1.0), Redis's TTL.
 */
export function logicalRemainder(bytes: Buffer | null | undefined, physicalMs: number | undefined): number | undefined {
  if (bytes == null || physicalMs === undefined || isLease(bytes)) return undefined; // a lease: a load in flight, no entry
  const expiresAt = logicalExpiryOf(bytes);
  if (expiresAt === 0) return physicalMs;
  const remaining = expiresAt - Date.now();
  return remaining > 0 ? Math.min(remaining, physicalMs) : undefined;
}
