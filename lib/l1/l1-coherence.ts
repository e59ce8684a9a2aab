/**
 * What decides whether an in-process tier may serve: whether invalidations reach it (tracking), how fresh its view
 * of them is, and a generation that moves on every flush so lookups in flight across one keep nothing.
 */
export interface L1Coherence {
  /** True when Redis sends invalidation messages; false in ttl mode (entries then live at most the staleness bound). */
  readonly tracking: boolean;
  /** Moves whenever every tier was flushed: a lookup started before must not fill. */
  readonly generation: number;
  /**
   * Whether every write acknowledged more than `maxStalenessMs` before `now` (the caller's performance.now() reading,
   * read once per lookup) has already evicted what it changed. Hot path.
   */
  serving(maxStalenessMs: number, now: number): boolean;
}

/** No invalidation messages: entries are bounded by their short lifetime alone; own writes still evict locally. */
export const TTL_COHERENCE: L1Coherence = {
  tracking: false,
  generation: 0,
  serving: () => true,
};
