/**
 * What the tag token memo (invalidation/tags, a layer above) needs of the tracking the in-process tiers run on: whether
 * invalidations reach this process within its bound now, a generation that moves on every flush, and the tags of a
 * namespace whose token keys Redis said changed.
 */
export interface TokenTracking {
  /** Moves whenever tracking may have missed invalidations (a connection lost, a lapsed lease, FLUSHALL, new masters). */
  readonly generation: number;
  /**
   * Whether every invalidation of a write acknowledged more than the memo's bound before `now` (performance.now()) has
   * reached this process, and the data connections track what they read. False before tracking is up, after Redis
   * refused it, in ttl-only mode and after shutdown: the memo then neither serves nor fills.
   */
  serving(now: number): boolean;
  /** Calls `changed(tag)` for each token key of `namespace` Redis says changed; returns the way to stop. */
  watch(namespace: string, changed: (tag: string) => void): () => void;
}
