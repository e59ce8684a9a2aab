// node:timers, not the global: test runners' fake timers replace the global, and a read waiting on it would hang.
import { setImmediate } from 'node:timers';
import type { TokenTracking } from '../../l1/token-tracking.js';

/** Most tags one namespace's memo holds; past it the memo starts over (a bound, not an LRU: forgetting costs a read). */
export const TOKEN_MEMO_MAX_TAGS = 10_000;

/** What a read that may fill the memo noted before it was sent. */
export interface MemoFill {
  readonly version: number;
  readonly generation: number;
}

/**
 * The tokens of tags this process read, kept while Redis tracking keeps them coherent (`tags.tokenMemo`), so that a
 * tagged read needs only its entry from Redis. The same rules as the in-process tier: a read fills the memo only if
 * it was sent while the tracking lease held (so the data connection tracked the token keys it read) and no change of
 * a token of this namespace, nor a flush, was heard while it was in flight; a token is forgotten when Redis says its
 * key changed, or before this process replaces it; nothing is served once the lease is older than the bound.
 */
export class TokenMemo {
  private readonly tokens = new Map<string, string>();
  /** The tracking generation the tokens were read under: a flush since empties the memo. */
  private generation = Number.NaN;
  /** Moves on every token change heard or made: a read in flight across one fills nothing. */
  private version = 0;
  private readonly unwatch: () => void;

  constructor(
    private readonly tracking: TokenTracking,
    namespace: string,
  ) {
    this.unwatch = tracking.watch(namespace, (tag) => this.forget(tag));
  }

  get size(): number {
    return this.tokens.size;
  }

  /** Whether the memo holds a token for every tag and may serve them now (a hint: `tokensOf` decides, after the read). */
  holdsAll(tags: readonly string[]): boolean {
    if (this.tokens.size === 0 || !this.current(performance.now())) return false;
    for (let i = 0; i < tags.length; i++) if (!this.tokens.has(tags[i])) return false;
    return true;
  }

  /** The tokens of `tags`, when the memo holds every one and may serve now; else undefined. */
  tokensOf(tags: readonly string[]): string[] | undefined {
    if (this.tokens.size === 0 || !this.current(performance.now())) return undefined;
    const tokens = new Array<string>(tags.length);
    for (let i = 0; i < tags.length; i++) {
      const token = this.tokens.get(tags[i]);
      if (token === undefined) return undefined;
      tokens[i] = token;
    }
    return tokens;
  }

  /** Call before sending the read whose tokens may fill the memo (undefined: they may not). */
  beginFill(): MemoFill | undefined {
    if (!this.current(performance.now())) return undefined;
    return { version: this.version, generation: this.generation };
  }

  /** Keeps the tokens a read found (absent ones are not kept), unless a token changed or tracking flushed meanwhile. */
  fill(ticket: MemoFill | undefined, tags: readonly string[], tokens: ReadonlyArray<string | undefined>): void {
    if (ticket === undefined || ticket.version !== this.version || !this.current(performance.now())) return;
    if (ticket.generation !== this.generation) return;
    for (let i = 0; i < tags.length; i++) {
      const token = tokens[i];
      if (token === undefined || this.tokens.get(tags[i]) === token) continue;
      if (this.tokens.size >= TOKEN_MEMO_MAX_TAGS) this.tokens.clear();
      this.tokens.set(tags[i], token);
    }
  }

  /** The tag's token changed (Redis said so), or this process is about to replace it. */
  forget(tag: string): void {
    this.version++;
    this.tokens.delete(tag);
  }

  close(): void {
    this.unwatch();
    this.tokens.clear();
    this.version++;
  }

  /** Whether the lease holds at `now`; a generation that moved since the memo was filled empties it first. */
  private current(now: number): boolean {
    if (!this.tracking.serving(now)) return false;
    const generation = this.tracking.generation;
    if (generation !== this.generation) {
      this.tokens.clear();
      this.generation = generation;
      this.version++;
    }
    return true;
  }
}

/** The pending afterPolledIo, shared by every read that waits in the same turn of the event loop. */
let polled: Promise<void> | undefined;

/**
 * Resolves once the I/O callbacks the event loop polled together with the caller's have run (setImmediate runs after
 * the poll phase). Redis queues the invalidation of a token on the tracking connection when it changes the token, so
 * before the reply to any read sent after that change: when that reply is read, the invalidation is already readable
 * on the tracking connection, and is handled by then. One setImmediate per turn, not per read: one per read cost 0.2x
 * of the throughput at 64 reads in flight.
 */
export function afterPolledIo(): Promise<void> {
  polled ??= new Promise((resolve) =>
    setImmediate(() => {
      polled = undefined;
      resolve();
    }),
  );
  return polled;
}
