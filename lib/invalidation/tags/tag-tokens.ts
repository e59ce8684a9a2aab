import { randomBytes } from 'node:crypto';
import type { TagStamp } from '../../entry/entry-format.js';
import type { CacheStore } from '../../stores/cache-store.interface.js';
import { EPOCH_SEGMENT, TAG_SEGMENT } from '../../kernel/cache-keys.js';
import { afterPolledIo, type TokenMemo } from './token-memo.js';


/** How long a token seen by this process stamps `set` calls without being read again. */
const RECENT_MS = 1000;

/** How long the namespace's invalidation epoch lives: long enough for any load in flight; a lapse only skips a store. */
const EPOCH_TTL_MS = 60_000;

/** An entry and the tokens of some tags, read in one command. */
export interface EntryWithTokens {
  found: Buffer | null | undefined;
  tokens: Array<string | undefined>;
}

/** A token as stored: short ASCII (base64url), read as latin1 so that any bytes still compare exactly. */
function tokenOf(bytes: Buffer | null | undefined): string | undefined {
  return bytes == null ? undefined : bytes.toString('latin1');
}

/** Whether stored token bytes are `token` (latin1, as tokenOf reads them), compared without making a string. */
function holdsToken(bytes: Buffer, token: string): boolean {
  if (bytes.length !== token.length) return false;
  for (let i = 0; i < token.length; i++) if (bytes[i] !== token.charCodeAt(i)) return false;
  return true;
}

/** A fresh random token: equality is the only test, so no clock and no counter (an evicted counter restarts: ABA). */
export function newToken(): string {
  return randomBytes(9).toString('base64url');
}

/**
 * How long a tag's token must outlive an entry stamped with it: the entry's TTL again, between 1 s and 1 min.
 * That bounds what stays of a tag after its last entry expired, and leaves slack so most writes need no PEXPIRE.
 */
export function tokenGraceMs(ttlMs: number): number {
  return Math.min(60_000, Math.max(1000, ttlMs));
}

/**
 * The tokens of one namespace's tags in the store. An entry is stamped with its tags' tokens as they were
 * before its value was loaded; invalidating a tag replaces its token, so every entry stamped before fails
 * its next read, whatever order the store and the invalidation reached Redis in. A missing token never
 * validates anything: eviction of tag data only causes misses.
 */
export class TagTokens {
  /** Until when (ms epoch) this process made each token key live: lets most tagged writes skip the PEXPIRE. */
  private readonly extendedUntil = new Map<string, number>();
  /**
   * Tokens this process saw lately, for stamping `set` without reading them first. Safe at any age: a token that
   * has been replaced since only makes the entry miss (never serves a stale one); the age bounds those misses.
   */
  private readonly recent = new Map<string, { readonly token: string; seenAt: number }>();

  constructor(
    private readonly store: CacheStore,
    /** The namespace's key prefix (`<namespace>:`, or `<namespace>:v<version>:`). */
    readonly prefix: string,
    /** `tags.tokenMemo`: tokens kept coherent by Redis tracking, so readWith needs only the entry. */
    private readonly memo?: TokenMemo,
  ) {}

  get epochKey(): string {
    return this.prefix + EPOCH_SEGMENT;
  }

  keyOf(tag: string): string {
    return this.prefix + TAG_SEGMENT + tag;
  }

  /** Current tokens (undefined where absent). Issue it in the same tick as the entry's GET: one round trip. */
  async read(tags: readonly string[]): Promise<Array<string | undefined>> {
    if (tags.length === 0) return [];
    const found = await this.store.mget(tags.map((tag) => this.keyOf(tag)));
    const tokens = found.map(tokenOf);
    this.note(tags, tokens);
    return tokens;
  }

  /**
   * The entry under `fullKey` and the current tokens of `tags`, in one command: one MGET on a node, which is also a
   * consistent snapshot of both; on a Cluster, where a token lives in another slot, one MGET per slot, sent together.
   */
  async readWith(fullKey: string, tags: readonly string[]): Promise<EntryWithTokens> {
    const memo = this.memo;
    if (memo !== undefined && memo.holdsAll(tags)) return this.readWithMemo(fullKey, tags, memo);
    const fill = memo?.beginFill(); // before the read: a change heard while it is in flight keeps its tokens out
    const found = await this.store.mget(this.keysWith(fullKey, tags));
    const tokens = this.tokensIn(found, tags);
    memo?.fill(fill, tags, tokens);
    return { found: found[0], tokens };
  }

  /**
   * readWith's MGET, sent now, when no memo is configured (else undefined: call readWith). The caller awaits the
   * store's own promise, one microtask hop as for an untagged GET instead of one more per async layer, and reads the
   * reply with replyWith.
   */
  mgetWith(fullKey: string, tags: readonly string[]): Promise<Array<Buffer | null | undefined>> | undefined {
    return this.memo === undefined ? this.store.mget(this.keysWith(fullKey, tags)) : undefined;
  }

  /** What mgetWith's reply holds: the entry, and the tokens of `tags` (noted as seen). */
  replyWith(found: ReadonlyArray<Buffer | null | undefined>, tags: readonly string[]): EntryWithTokens {
    return { found: found[0], tokens: this.tokensIn(found, tags) };
  }

  /**
   * The entry alone, and the tokens from the memo as they stand once the reply is in: any token change acknowledged
   * before this read was sent has been heard by then (afterPolledIo), so the memo no longer holds the old token. A
   * memo that lost one meanwhile (a change, a lapsed lease) costs a read of the tokens.
   */
  private async readWithMemo(fullKey: string, tags: readonly string[], memo: TokenMemo): Promise<EntryWithTokens> {
    const found = await this.store.get(fullKey);
    await afterPolledIo();
    return { found, tokens: memo.tokensOf(tags) ?? (await this.read(tags)) };
  }

  /** readWith, and the namespace's epoch (undefined when absent) in the same command. */
  async readWithEpoch(fullKey: string, tags: readonly string[]): Promise<EntryWithTokens & { epoch: string | undefined }> {
    const keys = this.keysWith(fullKey, tags);
    keys.push(this.epochKey);
    const found = await this.store.mget(keys);
    return { found: found[0], tokens: this.tokensIn(found, tags), epoch: tokenOf(found[keys.length - 1]) };
  }

  private keysWith(fullKey: string, tags: readonly string[]): string[] {
    const keys = [fullKey];
    for (const tag of tags) keys.push(this.keyOf(tag));
    return keys;
  }

  /**
   * The tokens of `tags` in what readWith found (they follow the entry), noted as seen. A token seen before (the
   * common case) is compared in place and its string reused: no string is made per read.
   */
  private tokensIn(found: ReadonlyArray<Buffer | null | undefined>, tags: readonly string[]): Array<string | undefined> {
    const seenAt = Date.now();
    const tokens = new Array<string | undefined>(tags.length);
    for (let i = 0; i < tags.length; i++) {
      const bytes = found[i + 1];
      const seen = this.recent.get(tags[i]);
      if (bytes != null && seen !== undefined && holdsToken(bytes, seen.token)) {
        seen.seenAt = seenAt;
        tokens[i] = seen.token;
      } else {
        tokens[i] = tokenOf(bytes);
        this.noteOne(tags[i], tokens[i], seenAt);
      }
    }
    return tokens;
  }

  /** Stamps for a `set` now: from the tokens seen in the last second when all are known, else read (and created). */
  async current(tags: readonly string[], ttlMs: number): Promise<TagStamp[]> {
    const since = Date.now() - RECENT_MS;
    const known = tags.map((tag) => this.recent.get(tag));
    if (known.every((seen) => seen !== undefined && seen.seenAt >= since)) return tags.map((tag, i) => [tag, known[i]!.token] as const);
    return this.snapshot(tags, await this.read(tags), ttlMs);
  }

  /** Whether every stamp still holds: each tag's current token equals the stamped one. */
  static holds(stamps: readonly TagStamp[], current: ReadonlyArray<string | undefined>): boolean {
    return stamps.every(([, token], i) => current[i] === token);
  }

  /**
   * Stamps for `tags` to take before a load: the tokens read (creating those that are absent, atomically, so two
   * instances agree on one). `ttlMs` is the entry's: a created token lives as long plus the grace.
   */
  async snapshot(tags: readonly string[], current: ReadonlyArray<string | undefined>, ttlMs: number): Promise<TagStamp[]> {
    const missing = tags.filter((_, i) => current[i] === undefined);
    const created = missing.length === 0 ? [] : await this.store.ensureTokens(missing.map((tag) => this.keyOf(tag)), missing.map(newToken), ttlMs + tokenGraceMs(ttlMs));
    let next = 0;
    const stamps = tags.map((tag, i) => [tag, current[i] ?? created[next++]] as const);
    if (missing.length > 0) this.note(tags, stamps.map(([, token]) => token));
    return stamps;
  }

  /** Makes each stamped tag's token outlive an entry of `ttlMs` written now (skipped where this process already did). */
  extendFor(stamps: readonly TagStamp[], ttlMs: number): Promise<void> {
    const now = Date.now();
    const grace = tokenGraceMs(ttlMs);
    const due = stamps.map(([tag]) => this.keyOf(tag)).filter((key) => (this.extendedUntil.get(key) ?? 0) < now + ttlMs);
    if (due.length === 0) return Promise.resolve();
    for (const key of due) this.remember(key, now + ttlMs + grace);
    return this.store.extendTokens(due, ttlMs + grace);
  }

  /**
   * Moves the namespace's epoch, then replaces the tags' tokens: two round trips whatever the number of entries.
   * The order matters on a Cluster, where the epoch and a token live on different nodes: whoever sees a new
   * token can then be sure to see the new epoch (TagGuard.afterLoad relies on it).
   */
  async invalidate(tags: readonly string[]): Promise<void> {
    const keys = tags.map((tag) => this.keyOf(tag));
    for (const key of keys) this.extendedUntil.delete(key);
    for (const tag of tags) this.recent.delete(tag);
    if (this.memo !== undefined) for (const tag of tags) this.memo.forget(tag); // before it is sent: no read fills the old one
    await this.store.putToken(this.epochKey, newToken(), EPOCH_TTL_MS);
    await this.store.replaceTokens(keys, keys.map(newToken));
  }

  /** The epoch before a load whose tags come from its value (created when absent, so a later lapse is seen). */
  async epochBefore(current: string | undefined): Promise<string> {
    if (current !== undefined) return current;
    const [epoch] = await this.store.ensureTokens([this.epochKey], [newToken()], EPOCH_TTL_MS);
    return epoch;
  }

  /** The epoch now (undefined when absent); issue it in the same tick as other reads. */
  async readEpoch(): Promise<string | undefined> {
    const [bytes] = await this.store.mget([this.epochKey]);
    return tokenOf(bytes);
  }

  /** Every read notes what it saw; a token seen again (the common case) only moves its time: no allocation, no Map write. */
  private note(tags: readonly string[], tokens: ReadonlyArray<string | undefined>): void {
    const seenAt = Date.now();
    for (let i = 0; i < tags.length; i++) this.noteOne(tags[i], tokens[i], seenAt);
  }

  private noteOne(tag: string, token: string | undefined, seenAt: number): void {
    const seen = this.recent.get(tag);
    if (token === undefined) {
      if (seen !== undefined) this.recent.delete(tag);
    } else if (seen?.token === token) seen.seenAt = seenAt;
    else {
      if (this.recent.size >= 10_000) this.recent.clear();
      this.recent.set(tag, { token, seenAt });
    }
  }

  private remember(key: string, until: number): void {
    if (this.extendedUntil.size >= 10_000) this.extendedUntil.clear(); // a bound, not an LRU: forgetting costs a PEXPIRE
    this.extendedUntil.set(key, until);
  }
}
