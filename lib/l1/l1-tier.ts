import { LRUCache } from 'lru-cache';
import { CompressionId, entryKind, EntryKinds, hasExtensions, readFrame, readTagStamps, type TagStamp } from '../entry/entry-format.js';
import type { L1Settings } from './l1-settings.js';
import type { CacheMetrics } from '../telemetry/cache-metrics.js';
import type { L1Coherence } from './l1-coherence.js';

/** What the tier keeps of one entry: the decoded value, until when it may be served, and its tag stamps. */
export interface L1Entry {
  value: unknown;
  /** performance.now() past which the entry is not served: min(l1 ttl, its Redis expiry). */
  expiresAt: number;
  /** Decoded size in bytes (what maxBytes counts): the entry's length with its value decompressed. */
  size: number;
  stamps?: readonly TagStamp[];
  /** From the entry's header (ms epoch; 0: none), for refresh-ahead's early-refresh draw on a hit from memory. */
  logicalExpiresAt: number;
  loadMicros: number;
}

/** What a lookup started before its GET, to decide whether the reply may be kept. */
export interface FillTicket {
  released?: boolean;
  readonly fullKey: string;
  readonly generation: number;
  readonly keyVersion: number;
  readonly tagVersion: number;
  readonly pending: PendingFill;
}

interface PendingFill {
  /** Moves on every invalidation of the key while lookups of it are in flight. */
  version: number;
  readers: number;
}

/** Why the tier was emptied, for `cache_l1_flushes_total{reason}`. */
export type FlushReason = 'disconnect' | 'lease' | 'flushall' | 'topology' | 'clear';

/** What `copy` returns for a value structuredClone cannot copy (too deep for its stack). */
const NOT_COPIED = Symbol('not copied');

/**
 * The global `performance` is a lazy getter on globalThis in Node 20: read through it, each hit's clock read costs a
 * getter call more (measured ~5-10 ns of an l1 hit's ~90 ns over a bare lru-cache lookup).
 */
const clock = performance;

/**
 * One namespace's in-process tier: an LRU bounded by entries and decoded bytes. It serves only while its coherence says
 * that every invalidation older than the staleness bound has reached it; a lookup's reply is kept only if no
 * invalidation of that key (or, for a tagged entry, of any tag) arrived while it was in flight. Writes evict;
 * nothing but a lookup's reply ever fills it.
 */
export class L1Tier {
  private readonly entries: LRUCache<string, L1Entry>;
  private readonly keysByTag = new Map<string, Set<string>>();
  private readonly pendingFills = new Map<string, PendingFill>();
  /** Moves on every tag invalidation of the namespace: a tagged reply in flight across it is not kept. */
  private tagVersion = 0;

  constructor(
    readonly namespace: string,
    readonly settings: L1Settings,
    private coherence: L1Coherence,
    private readonly metrics: CacheMetrics,
  ) {
    metrics.l1Gauges(() => ({ entries: this.entries.size, bytes: this.entries.calculatedSize }));
    // No `max`: lru-cache would preallocate arrays for maxEntries (hundreds of KiB per namespace, used or not); the
    // entry bound is kept in `fill` instead, and the arrays grow with what is held.
    this.entries = new LRUCache<string, L1Entry>({
      maxSize: settings.maxBytes,
      sizeCalculation: (entry) => Math.max(1, entry.size),
      dispose: (entry, key) => {
        if (entry.stamps !== undefined) this.forgetTags(key, entry.stamps);
      },
    });
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.entries.calculatedSize;
  }

  /** Whether Redis invalidation messages keep this tier coherent (else entries live at most the staleness bound). */
  get usesTracking(): boolean {
    return this.coherence.tracking;
  }

  /** Tracking turned out to be unavailable: ttl-only from now on. */
  useCoherence(coherence: L1Coherence): void {
    this.coherence = coherence;
    this.clear();
  }

  /** The entry to serve for `fullKey`, if the tier holds one that is fresh and may serve now. Hot path. */
  lookup(fullKey: string): L1Entry | undefined {
    if (this.entries.size === 0) return undefined;
    const now = clock.now(); // once: the lease and the entry's expiry are judged at the same instant
    if (!this.coherence.serving(this.settings.maxStalenessMs, now)) return undefined;
    const entry = this.entries.get(fullKey);
    if (entry === undefined) return undefined;
    if (entry.expiresAt < now) {
      this.entries.delete(fullKey);
      return undefined;
    }
    return entry;
  }

  /**
   * The value of a hit as callers get it (they count the hit, with source 'l1'): shared, or their own copy with `clone`.
   * Undefined when it cannot be copied: the entry is dropped, the failure counted, and the caller reads Redis instead.
   */
  valueOf(entry: L1Entry, fullKey: string): unknown {
    const value = this.copy(entry.value);
    if (value !== NOT_COPIED) return value;
    this.entries.delete(fullKey);
    this.metrics.error('deserialize', 'uncloneable');
    return undefined;
  }

  /** Call before sending the GET whose reply may fill the tier; pass the ticket to `fill` or `abandon`. */
  beginFill(fullKey: string): FillTicket | undefined {
    if (!this.coherence.serving(this.settings.maxStalenessMs, performance.now())) return undefined;
    let pending = this.pendingFills.get(fullKey);
    if (pending === undefined) {
      pending = { version: 0, readers: 0 };
      this.pendingFills.set(fullKey, pending);
    }
    pending.readers++;
    return { fullKey, generation: this.coherence.generation, keyVersion: pending.version, tagVersion: this.tagVersion, pending };
  }

  /**
   * Keeps a lookup's decoded reply, unless the key (or a tag, for a tagged entry) was invalidated while it was in
   * flight, the tier was flushed since, or it may not serve now. `logicalExpiresAt`: the entry's logical expiry (ms epoch, 0: none).
   * False when `clone` could not copy the value: the caller must not serve it either.
   */
  private fill(ticket: FillTicket, value: unknown, size: number, logicalExpiresAt: number, loadMicros: number, stamps?: readonly TagStamp[]): boolean {
    this.release(ticket);
    if (
      ticket.pending.version !== ticket.keyVersion ||
      ticket.generation !== this.coherence.generation ||
      (stamps !== undefined && ticket.tagVersion !== this.tagVersion)
    )
      return true;
    const now = performance.now();
    if (!this.coherence.serving(this.settings.maxStalenessMs, now)) return true;
    // Without invalidation messages an entry lives only as long as the staleness bound allows.
    const lifetimeMs = this.coherence.tracking ? this.settings.ttlMs : Math.min(this.settings.ttlMs, this.settings.maxStalenessMs);
    let expiresAt = now + lifetimeMs;
    if (logicalExpiresAt > 0) expiresAt = Math.min(expiresAt, now + (logicalExpiresAt - Date.now()));
    if (expiresAt <= now || size > this.settings.maxBytes) return true;
    const kept = this.copy(value);
    if (kept === NOT_COPIED) return false;
    this.entries.set(ticket.fullKey, { value: kept, expiresAt, size, stamps, logicalExpiresAt, loadMicros });
    if (this.entries.size > this.settings.maxEntries) this.entries.pop(); // the least recently used
    if (stamps !== undefined) for (const [tag] of stamps) this.tagged(tag).add(ticket.fullKey);
    return true;
  }

  /** Entries held for each key (undefined where none may be served): one check of the lease for the batch. */
  lookupMany(fullKeys: readonly string[]): Array<L1Entry | undefined> | undefined {
    if (this.entries.size === 0) return undefined;
    const now = performance.now();
    if (!this.coherence.serving(this.settings.maxStalenessMs, now)) return undefined;
    let held = 0;
    const found = fullKeys.map((fullKey) => {
      const entry = this.entries.get(fullKey);
      if (entry === undefined || entry.expiresAt < now) return undefined;
      held++;
      return entry;
    });
    return held === 0 ? undefined : found;
  }

  /** A lookup that will not fill (a miss, an error); harmless after `keep`. */
  abandon(ticket: FillTicket | undefined): void {
    if (ticket !== undefined) this.release(ticket);
  }

  /**
   * Keeps a lookup's reply: the stored bytes (for size, expiry and tags) and the value decoded from them. False when
   * `clone` could not copy the value (nested deeper than structuredClone reaches): the read is then a miss.
   */
  keep(ticket: FillTicket | undefined, bytes: Buffer | null | undefined, value: unknown): boolean {
    if (ticket === undefined) return true;
    if (bytes == null || value === undefined) {
      this.release(ticket);
      return true;
    }
    let size = bytes.length;
    let expiresAt = 0;
    let loadMicros = 0;
    let stamps: TagStamp[] | undefined;
    try {
      if (entryKind(bytes) === EntryKinds.Current) {
        const frame = readFrame(bytes);
        ({ logicalExpiresAt: expiresAt, loadMicros } = frame);
        // Decoded, not stored, bytes: a compressed entry's value takes its decompressed length in memory (the codec
        // refused the entry if decompressing gave another length).
        if (frame.compression !== CompressionId.none) size = frame.valueOffset + frame.decodedLength;
      }
      if (hasExtensions(bytes)) stamps = readTagStamps(bytes);
    } catch {
      this.release(ticket); // a damaged header: served once from Redis, never kept
      return true;
    }
    return this.fill(ticket, value, size, expiresAt, loadMicros, stamps);
  }

  /** The key changed (a write here, or Redis said so): drop it, and keep no reply to a lookup already in flight. */
  evict(fullKey: string): void {
    this.entries.delete(fullKey);
    const pending = this.pendingFills.get(fullKey);
    if (pending !== undefined) pending.version++;
  }

  /** A tag was invalidated: drop every entry carrying it, and keep no tagged reply already in flight. */
  evictTag(tag: string): void {
    this.tagVersion++;
    const keys = this.keysByTag.get(tag);
    if (keys === undefined) return;
    for (const key of [...keys]) this.entries.delete(key);
  }

  /** What a write or an invalidation of this namespace changes, dropped before it is sent. */
  evictFor(
    change:
      { kind: 'keys'; fullKeys: readonly string[] } | { kind: 'prefix'; fullPrefix: string } | { kind: 'tags'; tags: readonly string[] },
  ): void {
    if (change.kind === 'keys') for (const fullKey of change.fullKeys) this.evict(fullKey);
    else if (change.kind === 'prefix') this.evictPrefix(change.fullPrefix);
    else for (const tag of change.tags) this.evictTag(tag);
  }

  /** Every key starting with `fullPrefix` (invalidatePrefix). */
  evictPrefix(fullPrefix: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(fullPrefix)) this.entries.delete(key);
    for (const [key, pending] of this.pendingFills) if (key.startsWith(fullPrefix)) pending.version++;
  }

  /** Empties the tier and counts why (in-flight replies are refused by the coherence's generation, which moved). */
  flush(reason: FlushReason): void {
    this.clear();
    this.metrics.l1Flushed(reason);
  }

  /** Empties the tier (in-flight replies are refused by the coherence's generation, which the caller moves). */
  clear(): void {
    this.entries.clear();
    this.keysByTag.clear();
    for (const pending of this.pendingFills.values()) pending.version++;
    this.tagVersion++;
  }

  /** The value itself, or with `clone` a copy: NOT_COPIED when structuredClone fails (a value nested too deep). */
  private copy(value: unknown): unknown {
    if (!this.settings.clone) return value;
    try {
      return structuredClone(value);
    } catch {
      return NOT_COPIED;
    }
  }

  private release(ticket: FillTicket): void {
    if (ticket.released) return;
    ticket.released = true;
    if (--ticket.pending.readers === 0 && this.pendingFills.get(ticket.fullKey) === ticket.pending)
      this.pendingFills.delete(ticket.fullKey);
  }

  private tagged(tag: string): Set<string> {
    let keys = this.keysByTag.get(tag);
    if (keys === undefined) {
      keys = new Set();
      this.keysByTag.set(tag, keys);
    }
    return keys;
  }

  private forgetTags(key: string, stamps: readonly TagStamp[]): void {
    for (const [tag] of stamps) {
      const keys = this.keysByTag.get(tag);
      if (keys === undefined) continue;
      keys.delete(key);
      if (keys.size === 0) this.keysByTag.delete(tag);
    }
  }
}
