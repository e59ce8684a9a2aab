import { randomBytes } from 'node:crypto';

/**
 * A load lease: what a key holds while a read-through load of it runs (Facebook's memcache leases). The loader writes
 * its value only over the very lease it took, atomically; an invalidation of the key deletes the lease, so a value
 * loaded before an invalidation is never stored after it. Every reader treats a lease as absent.
 *
 * Its first byte, 0xC1, can never start UTF-8 text (a 0.1.0 entry) nor an entry in the current format (0x80–0xBF).
 */
export const LEASE_MARKER = 0xc1;
const LEASE_BYTES = 17;

/** A new lease: the marker and 16 random bytes (no two loads ever hold the same one). */
export function newLease(): Buffer {
  const lease = randomBytes(LEASE_BYTES);
  lease[0] = LEASE_MARKER;
  return lease;
}

/** Whether stored bytes are a lease (a load in flight), not an entry: a miss for every reader. */
export function isLease(bytes: Uint8Array): boolean {
  return bytes[0] === LEASE_MARKER && bytes.length === LEASE_BYTES;
}
