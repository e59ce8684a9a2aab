import type { Redis } from 'ioredis';

/**
 * Sends the commands issued in one tick in one socket write, as node-redis does: the first command
 * of a tick corks the client's socket and a `process.nextTick` uncorks it, so Node flushes all of
 * them with one writev. Measured at 64 in flight this halves our CPU per operation: unbatched,
 * one write syscall per command was about half of the profile.
 *
 * Unlike auto-pipelining, nothing is queued in the client: every command is handed to ioredis at
 * once, so its commandTimeout starts when it is issued (the operationTimeout bound is unchanged)
 * and commands reach the socket in the order they were issued. Writes wait at most until the end
 * of the current tick. Only for a standalone/Sentinel client (one socket); a Cluster is left alone.
 */
export class TickWriteBatch {
  private corked = false;
  // Bound once: scheduling the flush allocates no closure per tick.
  private readonly flush = (stream: Redis['stream']): void => {
    this.corked = false;
    stream.uncork(); // the socket corked, even if a reconnect has replaced it since
  };

  constructor(private readonly client: Redis) {}

  /** Call just before issuing a command. */
  hold(): void {
    if (this.corked || this.client.status !== 'ready') return; // not ready: ioredis queues the command itself
    const stream = this.client.stream;
    stream.cork();
    this.corked = true;
    process.nextTick(this.flush, stream);
  }
}
