import type { NamespaceReads } from './namespace-reads.js';
import type { KeepReplies } from '../entry/entry-codec.js';
import type { StoreEntry } from '../stores/cache-store.interface.js';
import { servableEntries } from './servable-entries.js';
import { settledWithin } from './load-and-store.js';
import { LoadLeases, type LeaseHold } from './load-leases.js';
import { meteredLoad } from './metered-load.js';
import { within } from '../kernel/soft-timeout.js';
import type { Call } from './read-through-call.js';
import type { Flight, InFlightLoads } from './in-flight.js';
import type { ReadThrough } from './read-through.js';
import { mgetThroughL1, type FetchMany } from '../l1/l1-reads.js';
import { entryLifetime, type EntryPolicy } from '../entry/entry-policy.js';

/** What a batch loader returns for the keys it was given: values in their order, or a Map / object keyed by key. */
export type BatchValues<T> = ReadonlyArray<T | undefined> | ReadonlyMap<string, T> | Readonly<Record<string, T>>;

export interface BatchPolicy<T> {
  label: string;
  /** Logical TTL of a loaded value (before jitter); undefined: not stored. */
  ttlFor: (value: T) => number | undefined;
  stale: EntryPolicy;
}

export interface BatchReadThroughDeps extends NamespaceReads {
  /** ReadThrough's flights: a key loading here is joined by getOrSet, and the other way round. */
  inFlight: InFlightLoads;
  /** Vouches for a joined flight's value exactly as for a getOrSet that joins it. */
  joins: Pick<ReadThrough, 'vouch'>;
  budgetMs: number;
}

/** A flight a batch key joined, and performance.now() when it did. */
interface Joined {
  flight: Flight;
  joinedAt: number;
}

/**
 * getOrSetMany: one MGET for the keys, the loader called once with only the missing ones, one pipelined write of what
 * it returned. Keys already loading in this process (a getOrSet or another batch) are not loaded again: their flight
 * is awaited and its value checked as a joining getOrSet checks it; keys this batch loads are flights that getOrSet
 * calls join. Entries past their logical TTL are missing (a batch serves nothing stale). Never fails because of the cache: a failed MGET loads every key, unstored.
 */
export class BatchReadThrough {
  private readonly leases: LoadLeases;

  constructor(private readonly deps: BatchReadThroughDeps) {
    this.leases = new LoadLeases(deps.store);
  }

  async run<T>(
    keys: readonly string[],
    fullKeys: readonly string[],
    loadMissing: (missing: string[]) => BatchValues<T> | Promise<BatchValues<T>>,
    policy: BatchPolicy<T>,
  ): Promise<Array<T | undefined>> {
    return this.readThrough(keys, fullKeys, loadMissing, policy, true);
  }

  private async readThrough<T>(
    keys: readonly string[],
    fullKeys: readonly string[],
    loadMissing: (missing: string[]) => BatchValues<T> | Promise<BatchValues<T>>,
    policy: BatchPolicy<T>,
    mayRetry: boolean,
  ): Promise<Array<T | undefined>> {
    const values = new Array<T | undefined>(keys.length);
    const joined = new Map<number, Joined>();
    const unique = new Map<string, number>(); // full key → first position; repeats are copied at the end
    keys.forEach((_, i) => {
      const flight = this.deps.inFlight.joinable(fullKeys[i]);
      if (flight !== undefined) joined.set(i, { flight, joinedAt: performance.now() });
      else if (!unique.has(fullKeys[i])) unique.set(fullKeys[i], i);
    });
    const lookedUp = [...unique.values()];
    const seen = new Map<string, Buffer>(); // what Redis held under each key, servable or not: a lease replaces it
    const found = await this.lookup(
      lookedUp.map((i) => keys[i]),
      lookedUp.map((i) => fullKeys[i]),
      policy.label,
      seen,
    );
    const missing: number[] = [];
    lookedUp.forEach((position, n) => {
      if (found !== undefined && found[n] !== undefined) values[position] = found[n] as T;
      else {
        const flight = this.deps.inFlight.joinable(fullKeys[position]); // started meanwhile
        if (flight !== undefined) joined.set(position, { flight, joinedAt: performance.now() });
        else missing.push(position);
      }
    });
    if (missing.length > 0) await this.load(keys, fullKeys, missing, values, loadMissing, policy, found === undefined ? undefined : seen);
    if (joined.size > 0) await this.settleJoined(keys, fullKeys, joined, values, loadMissing, policy, mayRetry);
    keys.forEach((_, i) => {
      const first = unique.get(fullKeys[i]);
      if (first !== undefined && first !== i) values[i] = values[first];
    });
    return values;
  }

  /**
   * The values of the flights this batch joined, each vouched for as ReadThrough.join does: a key whose value cannot be
   * reads through again in one more batch (once), or gets the batch loader's value unstored, in one more loader call.
   */
  private async settleJoined<T>(
    keys: readonly string[],
    fullKeys: readonly string[],
    joined: ReadonlyMap<number, Joined>,
    values: Array<T | undefined>,
    loadMissing: (missing: string[]) => BatchValues<T> | Promise<BatchValues<T>>,
    policy: BatchPolicy<T>,
    mayRetry: boolean,
  ): Promise<void> {
    const positions = [...joined.keys()];
    const verdicts = await Promise.all(
      positions.map((position) => this.deps.joins.vouch(joined.get(position)!.flight, joined.get(position)!.joinedAt)),
    );
    const again: number[] = [];
    const unstored: number[] = [];
    positions.forEach((position, n) => {
      const verdict = verdicts[n];
      if (typeof verdict === 'object') values[position] = verdict.value as T | undefined;
      else (verdict === 'read-again' && mayRetry ? again : unstored).push(position);
    });
    const pick = (list: readonly string[], at: number[]): string[] => at.map((position) => list[position]);
    await Promise.all([
      again.length > 0 &&
        this.readThrough(pick(keys, again), pick(fullKeys, again), loadMissing, policy, false).then((reread) =>
          again.forEach((position, n) => (values[position] = reread[n])),
        ),
      unstored.length > 0 && this.loadUnstored(pick(keys, unstored), unstored, values, loadMissing, policy.label),
    ]);
  }

  /** The batch loader's values for keys at `positions` (repeats loaded once), stored nowhere. */
  private async loadUnstored<T>(
    keys: string[],
    positions: number[],
    values: Array<T | undefined>,
    loadMissing: (missing: string[]) => BatchValues<T> | Promise<BatchValues<T>>,
    label: string,
  ): Promise<void> {
    const distinct = [...new Set(keys)];
    const eventKey = distinct.length === 1 ? distinct[0] : `${distinct.length} keys`;
    const loaded = valuesByPosition(await meteredLoad(this.deps.metrics, label, eventKey, 'miss', () => loadMissing(distinct)), distinct);
    const byKey = new Map(distinct.map((key, n) => [key, loaded[n]]));
    positions.forEach((position, n) => (values[position] = byKey.get(keys[n])));
  }

  /** Decoded values (undefined where missing), or undefined when Redis failed (counted, logged). */
  private async lookup(keys: string[], fullKeys: string[], label: string, seen: Map<string, Buffer>): Promise<Array<unknown> | undefined> {
    if (keys.length === 0) return [];
    const { l1, metrics } = this.deps;
    const fetch: FetchMany = (missingKeys, missingFullKeys, keep) => this.fetch(missingKeys, missingFullKeys, label, seen, keep);
    try {
      // Keys the in-process tier holds are served from memory; the rest in one MGET whose replies may fill it.
      return l1 === undefined ? await fetch(keys, fullKeys) : await mgetThroughL1(l1, keys, fullKeys, fetch, metrics, label);
    } catch {
      return undefined; // counted and logged by fetch
    }
  }

  /**
   * One MGET: the decoded values of the servable entries (which `keep` takes too), recording in `seen` what each key
   * held; rejects when Redis failed (counted, logged).
   */
  private async fetch<T>(keys: readonly string[], fullKeys: readonly string[], label: string, seen: Map<string, Buffer>, keep?: KeepReplies) {
    const { store, entries, metrics, failures } = this.deps;
    const startedAt = performance.now();
    try {
      const raw = await store.mget(fullKeys);
      raw.forEach((bytes, i) => bytes != null && seen.set(fullKeys[i], bytes));
      const found = await servableEntries(this.deps, fullKeys, raw);
      metrics.observe('getOrSet', 'ok', startedAt);
      return entries.decodeMany<T>(keys, fullKeys, found, label, keep);
    } catch (error) {
      failures.failedOpen('getOrSet', keys.length === 1 ? keys[0] : `${keys.length} keys`, error, startedAt);
      throw error;
    }
  }

  /**
   * Loads the missing positions in one loader call, registered as flights, and writes what came back in one round trip,
   * each over the lease taken before the load. `seen`: what the lookup found (undefined: it failed, nothing is stored).
   */
  private async load<T>(
    keys: readonly string[],
    fullKeys: readonly string[],
    missing: number[],
    values: Array<T | undefined>,
    loadMissing: (missing: string[]) => BatchValues<T> | Promise<BatchValues<T>>,
    policy: BatchPolicy<T>,
    seen: ReadonlyMap<string, Buffer> | undefined,
  ): Promise<void> {
    const settle = new Map<string, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
    const calls = new Map<string, Call<unknown>>(); // what getOrSet calls that join a key's flight check
    const flightPolicy = { label: policy.label, ttlFor: policy.ttlFor, ttlHintMs: 0, lock: false, stale: policy.stale } as Call<unknown>['policy'];
    for (const position of missing) {
      const fullKey = fullKeys[position];
      const promise = new Promise<unknown>((resolve, reject) => settle.set(fullKey, { resolve, reject }));
      promise.catch(() => undefined); // a flight nobody joined must not be an unhandled rejection
      const call: Call<unknown> = { key: keys[position], fullKey, lockKey: '', loader: () => undefined, policy: flightPolicy };
      calls.set(fullKey, call);
      this.deps.inFlight.add(fullKey, promise, call);
    }
    let holds: LeaseHold[] | undefined;
    try {
      holds = seen === undefined ? undefined : await this.takeLeases(keys, fullKeys, missing, seen, policy);
      const startedAt = Date.now();
      const missingKeys = missing.map((position) => keys[position]);
      const eventKey = missingKeys.length === 1 ? missingKeys[0] : `${missingKeys.length} keys`; // one load event for the batch
      const loaded = valuesByPosition(
        await meteredLoad(this.deps.metrics, policy.label, eventKey, 'miss', () => loadMissing(missingKeys)),
        missingKeys,
      );
      missing.forEach((position, n) => (values[position] = loaded[n]));
      if (holds !== undefined) await this.write(keys, fullKeys, missing, loaded, policy, startedAt, holds, calls);
      missing.forEach((position, n) => settle.get(fullKeys[position])!.resolve(loaded[n]));
    } catch (error) {
      missing.forEach((position, n) => this.leases.release(fullKeys[position], holds?.[n])); // nothing stored: free the keys
      for (const { reject } of settle.values()) reject(error); // each flight leaves the registry as it settles
      throw error;
    }
  }

  /** The leases of the missing keys, before the loader runs; undefined when Redis failed (reported: nothing is stored). */
  private async takeLeases<T>(
    keys: readonly string[],
    fullKeys: readonly string[],
    missing: number[],
    seen: ReadonlyMap<string, Buffer>,
    policy: BatchPolicy<T>,
  ): Promise<LeaseHold[] | undefined> {
    const startedAt = performance.now();
    const missingFullKeys = missing.map((position) => fullKeys[position]);
    const taking = this.leases.takeMany(missingFullKeys, policy.stale.loaderTimeoutMs, missingFullKeys.map((fullKey) => seen.get(fullKey)));
    // At most the operation budget: past it (a Cluster failing over) the batch loads without the cache, and leases
    // that land later are freed.
    const outcome = await within(taking, Number.isFinite(this.deps.budgetMs) ? this.deps.budgetMs : undefined);
    if ('value' in outcome) return outcome.value;
    if ('error' in outcome) {
      this.deps.failures.failedOpen('getOrSet', missing.length === 1 ? keys[missing[0]] : `${missing.length} keys`, outcome.error, startedAt);
    } else {
      taking.then((late) => late.forEach((hold, n) => this.leases.release(missingFullKeys[n], hold))).catch(() => undefined);
    }
    return undefined;
  }

  /** One round trip writing the loaded values (those the policy stores) over their leases, awaited for at most the operation budget. */
  private async write<T>(
    keys: readonly string[],
    fullKeys: readonly string[],
    missing: number[],
    loaded: Array<T | undefined>,
    policy: BatchPolicy<T>,
    loadStartedAt: number,
    holds: readonly LeaseHold[],
    calls: ReadonlyMap<string, Call<unknown>>,
  ): Promise<void> {
    const { entries, failures, invalidator, metrics } = this.deps;
    const loadMicros = Math.round(((Date.now() - loadStartedAt) * 1000) / Math.max(1, missing.length));
    const writes: StoreEntry[] = [];
    const writeHolds: LeaseHold[] = [];
    missing.forEach((position, n) => {
      const value = loaded[n];
      const ttlMs = value === undefined ? undefined : policy.ttlFor(value);
      if (ttlMs === undefined || invalidator.pending.coversKey(fullKeys[position])) {
        this.leases.release(fullKeys[position], holds[n]); // not stored: free the key now
        return;
      }
      const { logicalMs, physicalMs } = entryLifetime(ttlMs, policy.stale);
      try {
        const entry = entries.encode(keys[position], value, 'set', logicalMs, loadMicros);
        writes.push({ key: fullKeys[position], value: entry, ttlMs: physicalMs });
        writeHolds.push(holds[n]);
      } catch (error) {
        failures.notStored(keys[position], error); // already counted
        this.leases.release(fullKeys[position], holds[n]);
      }
    });
    if (writes.length === 0) return;
    for (const { key } of writes) {
      this.deps.l1?.evict(key);
      calls.get(key)!.stored = 'unverifiable'; // until its write is confirmed: a getOrSet joining meanwhile reads through again
    }
    const startedAt = performance.now(); // also when the writes are issued: a call that joined before needs no check
    const written = this.leases.writeMany(writes, writeHolds).then(
      (stored) => {
        metrics.observe('mset', 'ok', startedAt);
        stored.forEach((ok, i) => {
          const call = calls.get(writes[i].key)!;
          if (ok) [call.stored, call.vouchedAt] = [writes[i].value, startedAt];
          else metrics.loadRace(policy.label, 'superseded'); // invalidated, set or stored meanwhile
        });
      },
      (error: unknown) => failures.failedOpen('mset', `${writes.length} keys`, error, startedAt),
    );
    await settledWithin(
      written.catch(() => undefined),
      this.deps.budgetMs,
    );
  }
}

/** The loader's answer as values in the order of `keys`. */
function valuesByPosition<T>(loaded: BatchValues<T>, keys: string[]): Array<T | undefined> {
  if (Array.isArray(loaded)) return keys.map((_, i) => (loaded as ReadonlyArray<T | undefined>)[i]);
  if (loaded instanceof Map) return keys.map((key) => loaded.get(key));
  if (loaded !== null && typeof loaded === 'object')
    return keys.map((key) => (Object.hasOwn(loaded, key) ? (loaded as Record<string, T>)[key] : undefined));
  return keys.map(() => undefined);
}
