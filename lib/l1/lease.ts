/**
 * The proof that a tracking connection is current: the send time of the last heartbeat whose invalidation came back
 * on it. A heartbeat turns tracking on for the data connection, then reads and writes a fresh key through it; Redis
 * queues its invalidation behind every invalidation of writes it processed earlier, on a single FIFO stream. So when
 * it arrives, every write acknowledged before the heartbeat was sent has evicted what it changed, the data
 * connection tracks what it reads with this redirect, and the channel still hears the node the data goes to (a PONG
 * alone would not show that: a master demoted to replica keeps answering PING but stops sending invalidations).
 * Reading the clock (not a flag set by a timer) keeps the bound true when the event loop stalls or Redis hangs.
 */
export class Lease {
  /** performance.now() when the last echoed heartbeat was sent on the current connection; -Infinity when not held. */
  private renewed = Number.NEGATIVE_INFINITY;
  /** Counts connections, so a late echo from a closed one renews nothing. */
  private connection = 0;
  private changed?: () => void;

  get renewedAt(): number {
    return this.renewed;
  }

  /** Called after every renewal and revocation (the coherence keeps the oldest lease of its channels from it). */
  watch(changed: () => void): void {
    this.changed = changed;
  }

  /** The connection is gone: nothing it said counts any more. */
  revoke(): void {
    this.connection++;
    this.renewed = Number.NEGATIVE_INFINITY;
    this.changed?.();
  }

  /** Call when sending a heartbeat; call the function it returns when its invalidation arrives. */
  sending(): { sentAt: number; renew: () => void } {
    const sentAt = performance.now();
    const connection = this.connection;
    return {
      sentAt,
      renew: () => {
        if (connection !== this.connection || sentAt <= this.renewed) return;
        this.renewed = sentAt;
        this.changed?.();
      },
    };
  }

  /** How long since the last proof, in ms (Infinity when not held). */
  age(now = performance.now()): number {
    return now - this.renewed;
  }
}
