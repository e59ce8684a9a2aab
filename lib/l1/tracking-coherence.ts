import type { Redis } from 'ioredis';
import type { L1Coherence } from './l1-coherence.js';
import type { FlushReason } from './l1-tier.js';
import { TrackingChannel, type Heartbeat } from './tracking-channel.js';

/** Where invalidations go: the tiers, by the key Redis names (already stripped of any ioredis keyPrefix). */
export interface InvalidationSink {
  invalidated(fullKey: string): void;
  /** Every tier emptied, for `reason`. */
  flushed(reason: FlushReason): void;
  /** Redis refused tracking on a connection (first refusal decides the fallback at startup). */
  refused(error: Error): void;
}

/**
 * Coherence from Redis server-assisted invalidation: one TrackingChannel per master (one on a single node or behind
 * Sentinel), the redirect target of the data connection to that master. The tiers serve while every channel's lease
 * is within their bound; any channel or data connection going down, or the set of masters changing, flushes every
 * tier and moves the generation.
 */
export class TrackingCoherence implements L1Coherence {
  readonly tracking = true;
  private gen = 0;
  private readonly channels = new Map<string, TrackingChannel>();
  /**
   * When the oldest lease of the channels was renewed (-Infinity with none, or one not held): recomputed when a lease
   * changes or a channel comes or goes, so a lookup reads one number, on a single node or a Cluster.
   */
  private oldest = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(
    /** Opens an unconnected RESP2 connection to one master (by its "host:port"; ignored outside a cluster). */
    private readonly openConnection: (node: string) => Redis,
    private readonly keyPrefix: string,
    private readonly boundMs: number,
    /** Where each master's channel writes its heartbeats. */
    private readonly heartbeat: (node: string) => Heartbeat,
    private readonly sink: InvalidationSink,
  ) {}

  get generation(): number {
    return this.gen;
  }

  serving(maxStalenessMs: number, now: number): boolean {
    // Against the caller's clock reading, not a flag a timer sets: a lease ages without any event, and the check must
    // hold during a stalled event loop.
    return now - this.oldest <= maxStalenessMs;
  }

  /** A data connection to `node` ("" outside a cluster) closed: its channel no longer hears what that connection read. */
  dataLost(node: string): void {
    this.channels.get(node)?.dataLost();
  }

  /** Opens a channel to each node; resolves when all hold their lease, rejects on the first failure. */
  async connect(nodes: readonly string[]): Promise<void> {
    await Promise.all(nodes.map((node) => this.open(node).start()));
  }

  /**
   * The masters are now `nodes`: channels to masters that left are closed, new masters get one; if anything changed,
   * every tier is flushed (a key may have moved to a master whose changes this process did not hear).
   */
  reconcile(nodes: readonly string[]): void {
    if (this.closed) return;
    const wanted = new Set(nodes);
    let changed = false;
    for (const [node, channel] of this.channels) {
      if (wanted.has(node)) continue;
      channel.close();
      this.channels.delete(node);
      this.leasesChanged();
      changed = true;
    }
    for (const node of wanted) {
      if (this.channels.has(node)) continue;
      this.open(node)
        .start()
        .catch(() => undefined); // it retries by itself; until subscribed the tiers do not serve
      changed = true;
    }
    if (changed) this.flush('topology');
  }

  close(): void {
    this.closed = true;
    for (const channel of this.channels.values()) channel.close();
    this.channels.clear();
    this.leasesChanged();
  }

  private open(node: string): TrackingChannel {
    const channel = new TrackingChannel(this.openConnection(node), this.boundMs, this.keyPrefix, () => this.heartbeat(node), {
      invalidated: (keys) => this.invalidated(keys),
      up: () => this.flush(undefined),
      down: (reason) => this.flush(reason),
      refused: (error) => this.sink.refused(error),
    });
    this.channels.set(node, channel);
    channel.lease.watch(() => this.leasesChanged());
    this.leasesChanged();
    return channel;
  }

  private invalidated(keys: Buffer[] | null): void {
    if (keys === null) return this.flush('flushall');
    const skip = this.keyPrefix.length;
    for (const key of keys) this.sink.invalidated(key.toString('utf8', skip));
  }

  /** Moves the generation (in-flight lookups keep nothing); empties the tiers unless a channel just came up. */
  private flush(reason: FlushReason | undefined): void {
    this.gen++;
    if (reason !== undefined) this.sink.flushed(reason);
  }

  private leasesChanged(): void {
    let oldest = this.channels.size === 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    for (const channel of this.channels.values()) if (channel.lease.renewedAt < oldest) oldest = channel.lease.renewedAt;
    this.oldest = oldest;
  }
}
