import type { Redis } from 'ioredis';
import { Lease } from './lease.js';
import { printedAs } from '../kernel/printed-as.js';

/** Redis publishes invalidation messages here (RESP2 clients redirected to a subscribed connection). */
export const INVALIDATE_CHANNEL = '__redis__:invalidate';

export interface ChannelEvents {
  /** Keys Redis says changed; null after FLUSHALL/FLUSHDB (everything changed). */
  invalidated(keys: Buffer[] | null): void;
  /** Subscribed and leased: tiers may fill and serve again. */
  up(): void;
  /** Invalidations may have been missed (a connection lost) or are late (no heartbeat echoed within the bound): flush. */
  down(reason: 'disconnect' | 'lease'): void;
  /** Redis refused CLIENT ID, SUBSCRIBE or CLIENT TRACKING (too old, an ACL without them, a proxy). */
  refused(error: Error): void;
}

/**
 * Turns tracking on for the data connection to this channel's node, redirected to `redirectId`, and writes one
 * heartbeat key there after reading it (a read is what makes Redis track a key), in one pipeline on that connection.
 */
export interface Heartbeat {
  /** Keys are `<keyBase>:<n>`, as the data client names them (it adds its ioredis keyPrefix). */
  keyBase: string;
  send(redirectId: number, key: string, ttlMs: number): Promise<void>;
}

/**
 * One dedicated RESP2 connection to one Redis master that receives the invalidations of the keys this process read
 * through its data connection to that master: the data connection runs `CLIENT TRACKING ON REDIRECT <this id>`
 * (default mode: Redis notifies only keys that connection read), and this one subscribes to them (ioredis drops
 * RESP3 pushes, hence RESP2 and a redirect). The tracking command rides on every heartbeat, so a data connection that
 * reconnected is tracking again within one beat.
 *
 * The lease (lease.ts) is held only after a heartbeat's own invalidation comes back: that proves the data
 * connection tracks with this redirect, Redis reaches this connection, and nothing older is queued. Losing either
 * connection revokes it and flushes; a lapsed lease flushes; a connection silent for twice the bound is dropped and
 * opened again (which also finds a new master behind Sentinel).
 */
export class TrackingChannel {
  readonly lease = new Lease();
  private state: 'connecting' | 'subscribed' | 'up' | 'lapsed' | 'closed' = 'connecting';
  private redirectId = 0;
  /** performance.now() when this connection last subscribed or had a heartbeat echoed. */
  private heardAt = Number.NEGATIVE_INFINITY;
  private readonly timer: NodeJS.Timeout;
  private firstOutcome?: { resolve: () => void; reject: (error: Error) => void };
  /** Heartbeats sent and not yet echoed, by key: each is a fresh key, so an echo is never mistaken for another's. */
  private readonly beats = new Map<string, { sentAt: number; renew: () => void }>();
  private beatCount = 0;

  constructor(
    private readonly client: Redis,
    private readonly boundMs: number,
    /** The data client's ioredis keyPrefix: Redis names the heartbeat keys with it. */
    private readonly keyPrefix: string,
    private readonly heartbeat: () => Heartbeat,
    private readonly events: ChannelEvents,
  ) {
    client.on('ready', () => void this.handshake());
    client.on('close', () => this.lost());
    client.on('error', () => undefined); // a lost connection is reported through `down`, and retried
    client.on('messageBuffer', (channel: Buffer, message: Buffer[] | Buffer | null) => {
      if (channel.toString() !== INVALIDATE_CHANNEL) return;
      const keys = Array.isArray(message) ? message : message === null ? null : [message];
      if (keys !== null && this.beats.size > 0) this.echoed(keys);
      this.events.invalidated(keys);
    });
    this.timer = setInterval(() => this.tick(), Math.max(25, Math.floor(boundMs / 4)));
    this.timer.unref();
    printedAs(this, 'TrackingChannel', () => ({ state: this.state }));
  }

  /** Connects; resolves once the first heartbeat echoed, rejects when Redis refuses tracking or cannot be reached. */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.firstOutcome = { resolve, reject };
      this.client.connect().catch((error: Error) => this.settleFirst(error));
    });
  }

  close(): void {
    this.state = 'closed';
    clearInterval(this.timer);
    this.lease.revoke();
    this.client.disconnect();
    this.settleFirst(new Error('closed'));
  }

  /**
   * The data connection to this node closed: what it read is no longer tracked (Redis drops a client's tracking
   * with it, and says nothing to the redirect target), so flush and wait for a heartbeat through the new one.
   */
  dataLost(): void {
    if (this.state === 'closed' || this.state === 'connecting') return;
    const wasServing = this.state === 'up' || this.state === 'lapsed';
    this.state = 'subscribed';
    this.lease.revoke();
    this.beats.clear();
    if (wasServing) this.events.down('disconnect');
    this.beat(); // sent as soon as the data client reconnects: hits resume one round trip after
  }

  private async handshake(): Promise<void> {
    try {
      const id = (await this.client.client('ID')) as number;
      await this.client.subscribe(INVALIDATE_CHANNEL);
      this.redirectId = id;
    } catch (error) {
      if (this.state === 'closed') return;
      if (isReplyError(error)) this.refuse(error as Error);
      this.client.disconnect(true); // a connection lost mid-handshake: start over
      return;
    }
    if (this.state === 'closed') return;
    this.state = 'subscribed';
    this.heardAt = performance.now();
    this.beats.clear();
    this.beat();
  }

  private lost(): void {
    if (this.state === 'closed') return;
    const wasServing = this.state === 'up' || this.state === 'lapsed';
    this.state = 'connecting';
    this.lease.revoke();
    if (wasServing) this.events.down('disconnect');
  }

  /** Heartbeat keys among invalidated ones renew the lease to when they were sent. */
  private echoed(keys: Buffer[]): void {
    for (const key of keys) {
      const beat = this.beats.get(key.toString());
      if (beat === undefined) continue;
      this.beats.delete(key.toString());
      beat.renew();
      this.heardAt = performance.now();
      if ((this.state === 'subscribed' || this.state === 'lapsed') && this.lease.age() <= this.boundMs) {
        this.state = 'up';
        this.events.up();
        this.settleFirst();
      }
    }
  }

  private beat(): void {
    const { keyBase, send } = this.heartbeat();
    const key = `${keyBase}:${++this.beatCount}`;
    this.beats.set(this.keyPrefix + key, this.lease.sending());
    // A fresh key that expires on its own soon after; its expiry is one more (ignored) invalidation.
    send(this.redirectId, key, Math.max(1000, 2 * this.boundMs)).catch((error: unknown) => {
      this.beats.delete(this.keyPrefix + key);
      if (isRefusal(error)) this.refuse((error as TrackingReplyError).reply);
    });
    for (const [old, { sentAt }] of this.beats) if (performance.now() - sentAt > 2 * this.boundMs) this.beats.delete(old);
  }

  private tick(): void {
    if (this.state === 'connecting' || this.state === 'closed') return;
    this.beat();
    if (this.state === 'up' && this.lease.age() > this.boundMs) {
      this.state = 'lapsed';
      this.events.down('lease');
    }
    // Nothing heard for twice the bound (half-open TCP, a partition, a demoted master, a redirect to a node the data no
    // longer goes to): start over. Checked after pending replies are read (setImmediate runs after the poll phase), so
    // an event loop that was only blocked does not drop a good connection.
    if (performance.now() - this.heardAt > 2 * this.boundMs) {
      setImmediate(() => {
        if (this.state !== 'connecting' && this.state !== 'closed' && performance.now() - this.heardAt > 2 * this.boundMs)
          this.client.disconnect(true);
      });
    }
  }

  private refuse(error: Error): void {
    this.events.refused(error);
    this.settleFirst(error);
  }

  private settleFirst(error?: Error): void {
    const outcome = this.firstOutcome;
    this.firstOutcome = undefined;
    if (outcome === undefined) return;
    if (error === undefined) outcome.resolve();
    else outcome.reject(error);
  }
}

function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

/**
 * An error reply to CLIENT TRACKING that will not go away (too old a Redis, an ACL, a proxy). Not a redirect to an
 * id the node does not know: the data went to another node than this channel (a failover in progress), which the
 * silence check resolves. Errors of the heartbeat's GET or SET (OOM, READONLY) only leave the lease unrenewed.
 */
function isRefusal(error: unknown): boolean {
  return error instanceof TrackingReplyError && !/redirect/i.test(error.message);
}

/** Redis answered CLIENT TRACKING with an error (the heartbeat's other errors, such as OOM or READONLY, are not this). */
export class TrackingReplyError extends Error {
  constructor(readonly reply: Error) {
    super(reply.message, { cause: reply });
    this.name = 'TrackingReplyError';
  }
}
