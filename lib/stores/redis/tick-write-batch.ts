import type { Redis } from 'ioredis';

type Socket = Redis['stream'];

/**
 * Sends the commands issued in one tick in few socket writes, as node-redis does: the first command
 * of a tick is written at once (a lone command keeps its latency), later ones cork the client's socket
 * and the tick's `process.nextTick` uncorks it, so Node flushes them with one writev. Measured at 64 in
 * flight this halves our CPU per operation: unbatched, one write syscall per command was ~half the profile.
 *
 * Unlike auto-pipelining, nothing is queued in the client: every command is handed to ioredis at
 * once, so its commandTimeout starts when it is issued (the operationTimeout bound is unchanged)
 * and commands reach the socket in the order they were issued. A write waits at most until the end
 * of the current tick. Only for a standalone/Sentinel client (one socket); a Cluster is left alone.
 */
export class TickWriteBatch {
  /** A command was issued this tick, and `endTick` is pending. */
  private issued = false;
  private corked?: Socket;
  // Bound once: scheduling it allocates no closure per tick.
  private readonly endTick = (): void => {
    this.issued = false;
    const socket = this.corked;
    if (socket === undefined) return;
    this.corked = undefined;
    socket.uncork(); // the socket that was corked, even if a reconnect has replaced it since
  };

  constructor(private readonly client: Redis) {}

  /** Call just before issuing a command. */
  hold(): void {
    if (!this.issued) {
      this.issued = true;
      process.nextTick(this.endTick);
      return;
    }
    if (this.corked !== undefined || this.client.status !== 'ready') return; // not ready: ioredis queues the command itself
    this.corked = this.client.stream;
    this.corked.cork();
  }
}
