/**
 * The proof that a tracking connection is current: the send time of the last PING it answered. The connection is one
 * FIFO stream, so a PONG means every invalidation Redis queued before that PING arrived has been handled: a write
 * acknowledged before the PING was sent can no longer be served from memory. Reading the clock (not a flag set by a
 * timer) keeps the bound true when the event loop stalls or Redis hangs.
 */
export class Lease {
  /** performance.now() of the last PING answered on the current connection; -Infinity when not held. */
  private renewed = Number.NEGATIVE_INFINITY;
  /** Counts connections, so a late PONG from a closed one renews nothing. */
  private connection = 0;

  get renewedAt(): number {
    return this.renewed;
  }

  /** A connection now receives every invalidation (subscribed): the lease holds from now. */
  grant(): void {
    this.connection++;
    this.renewed = performance.now();
  }

  /** The connection is gone: nothing it said counts any more. */
  revoke(): void {
    this.connection++;
    this.renewed = Number.NEGATIVE_INFINITY;
  }

  /** Call when sending a PING; call the function it returns when its PONG arrives. */
  pinging(): () => void {
    const sentAt = performance.now();
    const connection = this.connection;
    return () => {
      if (connection === this.connection && sentAt > this.renewed) this.renewed = sentAt;
    };
  }

  /** How long since the last proof, in ms (Infinity when not held). */
  age(now = performance.now()): number {
    return now - this.renewed;
  }
}
