/** The footprint estimate of one namespace. */
export interface NamespaceFootprint {
  /** Estimated number of keys. */
  keys: number;
  /** Estimated bytes (MEMORY USAGE: key, value and Redis's overhead per key). */
  bytes: number;
  /** Relative standard error of `keys`: 0 when counted exactly, 1 when the namespace was not seen in the sample. */
  keysError: number;
  /** Relative standard error of `bytes`. */
  bytesError: number;
}

/** What one sampling run found, shared with the fleet through Redis. */
export interface FootprintReport {
  /** When it was sampled, ms since the epoch. */
  sampledAt: number;
  namespaces: Record<string, NamespaceFootprint>;
}
