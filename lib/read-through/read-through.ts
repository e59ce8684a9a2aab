import type { NamespaceReads } from './namespace-reads.js';
import type { StoredEntries } from './stored-entries.js';
import { hasExtensions, headerOf, loadMicrosOf, logicalExpiryOf, startsWithBytes } from '../entry/entry-format.js';
import type { TagGuard, TagPrefetch } from '../invalidation/tags/tag-guard.js';
import { TagTokens } from '../invalidation/tags/tag-tokens.js';
import type { FailureReporter } from '../telemetry/failure-reporter.js';
import type { CacheMetrics } from '../telemetry/cache-metrics.js';
import type { CacheStore } from '../stores/cache-store.interface.js';
import type { StampedeLock } from './stampede-lock.js';
import { meteredLoad } from './metered-load.js';
import type { Invalidator } from '../invalidation/invalidator.js';
import { BackgroundRefresh } from './background-refresh.js';
import { FailedLoads } from './failed-loads.js';
import { within } from '../kernel/soft-timeout.js';
import { isPastLogicalExpiry } from '../entry/logical-ttl.js';
import { LoadAndStore } from './load-and-store.js';
import { adoptEntry, type AdoptEntryDeps } from './adopt-entry.js';
import { NOTHING_PREFETCHED, type Call, type ReadThroughPolicy } from './read-through-call.js';
import { freshnessOf, type Freshness, type EntryPolicy } from '../entry/entry-policy.js';
import { StaleIfError } from './stale-if-error.js';
import type { L1Entry, L1Tier } from '../l1/l1-tier.js';
import type { Flight, InFlightLoads } from './in-flight.js';

export type { ReadThroughPolicy } from './read-through-call.js';

/** What a call that joined a flight gets: its value, or it reads through again (once), or runs its loader unstored. */
export type JoinVerdict = { value: unknown } | 'read-again' | 'load-unstored';

export interface ReadThroughDeps extends NamespaceReads {
  lock: StampedeLock;
  budgetMs: number;
  /** The namespace's flights, shared with getOrSetMany and detached by its invalidations. */
  inFlight: InFlightLoads;
}

/**
 * Read-through with single flight: concurrent calls on one key in this process share one
 * lookup and one loader run (and, with the lock, instances share one loader run). Never fails
 * because of the cache: a cache error is counted and the loader's value is served. An entry's age decides the rest
 * (stale-policy.ts): refreshed ahead or revalidated in the background, or served stale when the loader fails.
 */
export class ReadThrough {
  /** Lookups and loads in flight in this process, by full key (getOrSetMany registers its loads here too). */
  private readonly inFlight: InFlightLoads;
  readonly loads: LoadAndStore;
  readonly background: BackgroundRefresh;
  private readonly staleIfError: StaleIfError;

  private readonly store: CacheStore;
  private readonly entries: StoredEntries;
  private readonly metrics: CacheMetrics;
  private readonly failures: FailureReporter;
  private readonly lock: StampedeLock;
  private readonly tags: TagGuard;
  private readonly invalidator: Invalidator;
  /** operationTimeout: the most one call waits on Redis, apart from its loader (and lock waits). */
  private readonly budgetMs: number;
  private readonly l1?: L1Tier;
  /** What adoptEntry needs: the entries, tag guard and invalidator of the namespace. */
  private readonly adoptDeps: AdoptEntryDeps;

  constructor(deps: ReadThroughDeps) {
    this.adoptDeps = deps;
    ({
      store: this.store,
      entries: this.entries,
      metrics: this.metrics,
      failures: this.failures,
      lock: this.lock,
      tags: this.tags,
      invalidator: this.invalidator,
      budgetMs: this.budgetMs,
      l1: this.l1,
      inFlight: this.inFlight,
    } = deps);
    this.loads = new LoadAndStore(deps);
    const failedLoads = new FailedLoads(deps.lock, deps.failures);
    this.background = new BackgroundRefresh({ ...deps, loads: this.loads, failedLoads });
    this.staleIfError = new StaleIfError({ ...deps, loads: this.loads, failedLoads });
  }

  run<T>(key: string, fullKey: string, lockKey: string, loader: () => T | Promise<T>, policy: ReadThroughPolicy<T>): Promise<T> {
    return this.flight({ key, fullKey, lockKey, loader, policy }, true);
  }

  private flight<T>(call: Call<T>, mayRetry: boolean): Promise<T> {
    const pending = this.inFlight.joinable(call.fullKey);
    if (pending) return this.join(pending, call, mayRetry);
    const promise = this.lookupOrLoad(call);
    this.inFlight.add(call.fullKey, promise, call as Call<unknown>);
    return promise;
  }

  /**
   * A call that arrives while another one on the key is in flight shares its value, but a tagged value only while its
   * stamps still hold when it is ready: the call may have started after an invalidation that the flight predates.
   * Otherwise it reads through again (once; then, or when the check itself fails, it runs its loader without storing).
   */
  private async join<T>(flight: Flight, call: Call<T>, mayRetry: boolean): Promise<T> {
    const verdict = await this.vouch(flight, performance.now());
    if (verdict === 'load-unstored') return this.loadMiss(call);
    if (verdict === 'read-again') return this.retry(call, mayRetry);
    return verdict.value as T;
  }

  /**
   * Whether a flight's value may be shared with a call that joined it at `joinedAt` (performance.now()): its value,
   * or what the joiner does instead (getOrSetMany asks this too). Rejects as the flight does.
   */
  async vouch(flight: Flight, joinedAt: number): Promise<JoinVerdict> {
    const value = await flight.promise;
    const { basis, stored, vouchedAt } = flight.call;
    // Its write was superseded or not confirmed within the budget (Redis slow or failing): the joiner's own loader,
    // unstored, without a second read-through that would wait on Redis again.
    if (stored === 'unverifiable') return 'load-unstored';
    if (basis === 'unverifiable') return 'read-again';
    // The entry needs a look only when the command that read or wrote it was issued before this call joined.
    const entryCheck = stored instanceof Buffer && !(vouchedAt !== undefined && joinedAt < vouchedAt);
    if (basis === undefined && !entryCheck) return { value };
    try {
      // Both in one round trip: the entry is still the one the value came from, and its tag stamps still hold.
      const [entryHolds, tagsHold] = await Promise.all([
        entryCheck ? this.sharedEntryCheck(flight, flight.call.fullKey, stored as Buffer) : true,
        basis === undefined ? true : this.tags.tokens.read(basis.map(([tag]) => tag)).then((tokens) => TagTokens.holds(basis, tokens)),
      ]);
      if (entryHolds && tagsHold) return { value };
    } catch {
      return 'load-unstored'; // Redis failed or was slow: the value cannot be vouched for; serve the loader's, as when the cache fails
    }
    return 'read-again';
  }

  /** One look per flight, shared by all its late joiners, within the operation budget (past it: a failure). */
  private sharedEntryCheck(flight: Flight, fullKey: string, entry: Buffer): Promise<boolean> {
    flight.entryCheck ??= within(this.stillStored(fullKey, entry), Number.isFinite(this.budgetMs) ? this.budgetMs : undefined).then(
      (outcome) => {
        if ('value' in outcome) return outcome.value;
        throw 'error' in outcome ? outcome.error : new Error('the check of a joined flight timed out');
      },
    );
    return flight.entryCheck;
  }

  /** A joiner whose flight's value cannot be vouched for reads through again (once; then it runs its loader, unstored). */
  private retry<T>(call: Call<T>, mayRetry: boolean): Promise<T> {
    return mayRetry ? this.flight({ ...call, basis: undefined, stored: undefined, writeBack: undefined }, false) : this.loadMiss(call);
  }

  /** Whether the key still holds the entry a flight's value came from (an invalidation or a write replaced it otherwise). */
  private async stillStored(fullKey: string, entry: Buffer): Promise<boolean> {
    const current = await this.store.get(fullKey);
    return current != null && startsWithBytes(current, headerOf(entry));
  }

  private async lookupOrLoad<T>(call: Call<T>): Promise<T> {
    const { key, fullKey, policy } = call;
    // An invalidation of this key (or its known tags) waits for Redis: serve fresh, store nothing.
    if (
      this.invalidator.pending.coversKey(fullKey) ||
      (policy.tags !== undefined && 'known' in policy.tags && this.invalidator.pending.coversTags(policy.tags.known))
    ) {
      if (policy.tags !== undefined) call.basis = 'unverifiable';
      return this.loadMiss(call);
    }
    const held = this.l1?.lookup(fullKey);
    // A held value that cannot be copied (clone) is read from Redis like a key the tier does not hold.
    const copied = held !== undefined && heldIsFresh(held, policy.stale) ? (this.l1!.valueOf(held, fullKey) as T | undefined) : undefined;
    if (copied !== undefined) {
      this.metrics.hit(policy.label, key, 'l1');
      if (held!.stamps !== undefined) call.basis = [...held!.stamps];
      call.stored = 'l1';
      return copied;
    }
    const ticket = this.l1?.beginFill(fullKey);
    const startedAt = performance.now(); // also when the GET that may vouch for a hit is issued
    let found: Buffer | null | undefined;
    let seen: Buffer | null | undefined; // what Redis holds, servable or not: a load's lease replaces it
    let prefetch = NOTHING_PREFETCHED;
    try {
      // Tag tokens (or the epoch) are read in the same command as the entry (TagGuard.lookup): one round trip.
      if (policy.tags === undefined) found = await this.store.get(fullKey);
      else {
        // Known tags, no memo: the store's own reply is awaited (one microtask hop, as for an untagged GET).
        const known = 'known' in policy.tags ? policy.tags.known : undefined;
        const sent = known && this.tags.tokens.mgetWith(fullKey, known);
        ({ found, prefetch } = sent ? this.tags.received(await sent, known!) : await this.tags.lookup(fullKey, policy.tags));
      }
      seen = found;
      if (found != null && hasExtensions(found)) {
        // The tokens were read with the entry: a boolean in the common case, no microtask hop.
        const holds = this.holds(found, prefetch, fullKey);
        if (!(typeof holds === 'boolean' ? holds : await holds)) found = null;
      }
      this.metrics.observe('getOrSet', 'ok', startedAt);
    } catch (error) {
      this.l1?.abandon(ticket);
      this.failures.failedOpen('getOrSet', key, error, startedAt);
      return this.loadMiss(call);
    }
    const freshness = found == null ? 'expired' : freshnessNow(found, policy.stale);
    const budgetLeftMs = this.budgetMs - (performance.now() - startedAt);
    if (freshness === 'stale-if-error') {
      this.l1?.abandon(ticket);
      return this.staleIfError.loadOrServeStale(call, found!, prefetch, budgetLeftMs);
    }
    // Only fresh entries are kept: the others need their refresh. A value the tier cannot copy is a miss: loaded.
    const kept = freshness === 'fresh' ? found : null;
    const keep = this.l1 && ((value: unknown) => this.l1!.keep(ticket, kept, value));
    const cached = this.entries.decode<T>(key, fullKey, freshness === 'expired' ? null : found, policy.label, keep);
    if (cached !== undefined) {
      call.stored = found!;
      call.vouchedAt = startedAt;
      if (hasExtensions(found!)) call.basis = this.tags.stampsFor(found!, prefetch) ?? 'unverifiable';
      if (freshness === 'refresh') this.background.start(call, found!, 'refresh');
      else if (freshness === 'revalidate') {
        this.metrics.staleServed(policy.label, key, 'revalidating');
        this.background.start(call, found!, 'stale');
      }
      return cached;
    }
    if (policy.tags !== undefined) call.basis = 'unverifiable'; // until a load stores it with stamps
    return policy.lock
      ? this.loadUnderLock(call, prefetch, budgetLeftMs, seen)
      : this.loads.run(call, prefetch, budgetLeftMs, 'miss', { missed: seen });
  }

  /** Whether every tag stamp of a found entry still holds (an untagged entry has none: it always does). */
  private holds(found: Buffer, prefetch: TagPrefetch, fullKey: string): boolean | Promise<boolean> {
    return this.invalidator.tagsHold(found, prefetch.tags, prefetch.tokens, fullKey);
  }

  private async loadUnderLock<T>(call: Call<T>, prefetch: TagPrefetch, budgetLeftMs: number, seen: Buffer | null | undefined): Promise<T> {
    const { key, fullKey, lockKey, policy } = call;
    const startedAt = performance.now();
    let token: string | undefined;
    try {
      token = await this.lock.acquire(lockKey);
      if (token !== undefined) {
        // The holder before us may have stored the value and released the lock after our lookup: do not load it again.
        const stored = await this.store.get(fullKey);
        seen = stored;
        const value = stored != null && !isPastLogicalExpiry(stored) ? await adoptEntry(this.adoptDeps, call, stored) : undefined;
        if (value !== undefined) {
          this.lock.release(lockKey, token).catch(() => undefined);
          return value;
        }
      } else {
        const found = await this.lock.waitForValue(fullKey, lockKey);
        const value = found === undefined ? undefined : await adoptEntry(this.adoptDeps, call, found, policy.label);
        if (value !== undefined) return value;
      }
    } catch (error) {
      this.failures.failedOpen('getOrSet', key, error, startedAt);
      return this.loadMiss(call);
    }
    try {
      return await this.loads.run(call, prefetch, budgetLeftMs, 'miss', { missed: seen });
    } finally {
      // Released once the write-back landed, not when the caller is answered (past the budget, it may still be on its
      // way): on a Cluster the lock and the value are on different nodes, and a release applied first lets waiters load.
      if (token !== undefined) {
        const held = token;
        void (call.writeBack ?? Promise.resolve()).then(() => this.lock.release(lockKey, held).catch(() => undefined)); // it expires anyway
      }
    }
  }

  /** The caller waits for this loader run: a miss (counted by trigger). */
  private loadMiss<T>(call: Call<T>): Promise<T> {
    return meteredLoad(this.metrics, call.policy.label, call.key, 'miss', call.loader);
  }
}

/** Whether an entry held in memory is fresh for this call: with refresh-ahead, the same early-refresh draw as Redis's. */
function heldIsFresh(held: L1Entry, stale: EntryPolicy): boolean {
  return stale.refreshBeta === undefined || freshnessOf(held.logicalExpiresAt, held.loadMicros, Date.now(), stale) === 'fresh';
}

/**
 * A found entry's freshness now. The common case (before its logical expiry, no refresh-ahead) reads one header field;
 * an entry written with a stale window by another call is expired for a call without one.
 */
export function freshnessNow(found: Buffer, stale: EntryPolicy): Freshness {
  const expiresAt = logicalExpiryOf(found);
  if (expiresAt === 0) return 'fresh';
  const now = Date.now();
  if (now < expiresAt && stale.refreshBeta === undefined) return 'fresh';
  return freshnessOf(expiresAt, loadMicrosOf(found), now, stale);
}
