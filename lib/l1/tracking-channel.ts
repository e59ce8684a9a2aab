import type { Redis } from 'ioredis';
import { Lease } from './lease.js';

/** Redis publishes invalidation messages here (RESP2 clients redirected to a subscribed connection). */
export const INVALIDATE_CHANNEL = '__redis__:invalidate';

export interface ChannelEvents {
  /** Keys Redis says changed; null after FLUSHALL/FLUSHDB (everything changed). */
  invalidated(keys: Buffer[] | null): void;
  /** Subscribed and leased: tiers may fill and serve again. */
  up(): void;
  /** Invalidations may have been missed (connection lost) or are late (no heartbeat echoed within the bound): flush. */
  down(reason: 'disconnect' | 'lease'): void;
  /** Redis refused CLIENT TRACKING (too old, ACL without CLIENT, a proxy). */
  refused(error: Error): void;
}

/** Writes one heartbeat key (through the data connection, so it reaches the node the data goes to). */
export interface Heartbeat {
  /** Keys are `<keyBase>:<n>`, as the data client names them (it adds `redisPrefix`, its ioredis keyPrefix). */
  keyBase: string;
  redisPrefix: string;
  write(key: string, ttlMs: number): Promise<unknown>;
}

/**
 * One dedicated RESP2 connection to one Redis master that asks for BCAST invalidations of the tracked prefixes,
 * redirected to itself, and subscribes to them (ioredis drops RESP3 pushes, hence RESP2 and a redirect). The
 * handshake runs on every connect; a heartbeat every quarter of the bound renews the lease when its invalidation
 * comes back (lease.ts); a lapsed lease flushes, and a connection that stays silent for twice the bound is dropped
 * and opened again (which also finds a new master behind Sentinel).
 */
export class TrackingChannel {
  readonly lease = new Lease();
  private state: 'connecting' | 'up' | 'lapsed' | 'closed' = 'connecting';
  private readonly timer: NodeJS.Timeout;
  private firstOutcome?: { resolve: () => void; reject: (error: Error) => void };
  /** Heartbeats sent and not yet echoed, by key: each is a fresh key, so an echo is never mistaken for another's. */
  private readonly beats = new Map<string, { sentAt: number; renew: () => void }>();
  private beatCount = 0;

  constructor(
    private readonly client: Redis,
    private readonly prefixes: readonly string[],
    private readonly boundMs: number,
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
  }

  /** Connects; resolves once subscribed, rejects when Redis refuses tracking or cannot be reached. */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.firstOutcome = { resolve, reject };
      this.client.connect().catch((error: Error) => this.settleFirst(error));
    });
  }

  get up(): boolean {
    return this.state === 'up';
  }

  close(): void {
    this.state = 'closed';
    clearInterval(this.timer);
    this.lease.revoke();
    this.client.disconnect();
    this.settleFirst(new Error('closed'));
  }

  private async handshake(): Promise<void> {
    try {
      const id = (await this.client.client('ID')) as number;
      const prefixArgs = this.prefixes.flatMap((prefix) => ['PREFIX', prefix]);
      await this.client.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(id), 'BCAST', ...prefixArgs);
      await this.client.subscribe(INVALIDATE_CHANNEL);
    } catch (error) {
      if (this.state === 'closed') return;
      if (isRefusal(error)) {
        this.events.refused(error as Error);
        this.settleFirst(error as Error);
      }
      this.client.disconnect(true); // a connection lost mid-handshake: start over
      return;
    }
    if (this.state === 'closed') return;
    this.state = 'up';
    this.beats.clear();
    this.lease.grant();
    this.events.up();
    this.settleFirst();
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
      if (this.state === 'lapsed' && this.lease.age() <= this.boundMs) {
        this.state = 'up';
        this.events.up();
      }
    }
  }

  private beat(): void {
    const { keyBase, redisPrefix, write } = this.heartbeat();
    const key = `${keyBase}:${++this.beatCount}`;
    this.beats.set(redisPrefix + key, this.lease.sending());
    // A fresh key that expires on its own soon after; its expiry is one more (ignored) invalidation.
    write(key, Math.max(1000, 2 * this.boundMs)).catch(() => this.beats.delete(redisPrefix + key));
    for (const [old, { sentAt }] of this.beats) if (performance.now() - sentAt > 2 * this.boundMs) this.beats.delete(old);
  }

  private tick(): void {
    if (this.state !== 'up' && this.state !== 'lapsed') return;
    this.beat();
    if (this.state === 'up' && this.lease.age() > this.boundMs) {
      this.state = 'lapsed';
      this.events.down('lease');
    }
    // Silent for twice the bound (half-open TCP, a partition): start over. Checked after pending replies are read
    // (setImmediate runs after the poll phase), so an event loop that was only blocked does not drop a good connection.
    if (this.lease.age() > 2 * this.boundMs) {
      setImmediate(() => {
        if (this.state === 'lapsed' && this.lease.age() > 2 * this.boundMs) this.client.disconnect(true);
      });
    }
  }

  private settleFirst(error?: Error): void {
    const outcome = this.firstOutcome;
    this.firstOutcome = undefined;
    if (outcome === undefined) return;
    if (error === undefined) outcome.resolve();
    else outcome.reject(error);
  }
}

/** An error reply to CLIENT TRACKING (not a lost connection): tracking is not available here. */
function isRefusal(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}
