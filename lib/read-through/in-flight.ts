import type { Invalidation } from '../invalidation/invalidation.js';
import type { Call } from './read-through-call.js';

/** A lookup or load in flight on one key in this process, which later calls on the key share. */
export interface Flight {
  promise: Promise<unknown>;
  call: Call<unknown>;
  /** performance.now() when it started. */
  startedAt: number;
  /** The one check, shared by its late joiners, that the entry its value came from is still in Redis. */
  entryCheck?: Promise<boolean>;
}

/**
 * The longest later calls join a load in flight (a shorter loaderTimeout bounds it sooner): past it they start their
 * own. Also the shortest a load's lease lives (load-leases.ts).
 */
export const MAX_LOAD_MS = 60_000;


/**
 * Single flight's registry, by full key: getOrSet and getOrSetMany register their loads here and join each other's.
 * It never wedges a key: a flight past its join bound (loaderTimeout, else MAX_JOIN_MS) is abandoned, so a loader
 * that never settles costs one caller, not every later one; and an invalidation detaches the flights it covers, so a
 * call that starts after it never gets a value loaded before it (the detached load's write-back finds its lease gone).
 */
export class InFlightLoads {
  private readonly flights = new Map<string, Flight>();

  constructor(private readonly onAbandoned: (flight: Flight) => void) {}

  /** The flight a new call on the key may join, if any; one past its bound is abandoned here (counted, never joined). */
  joinable(fullKey: string): Flight | undefined {
    const flight = this.flights.get(fullKey);
    if (flight === undefined) return undefined;
    const boundMs = Math.min(flight.call.policy.stale.loaderTimeoutMs ?? MAX_LOAD_MS, MAX_LOAD_MS);
    if (performance.now() - flight.startedAt <= boundMs) return flight;
    this.flights.delete(fullKey);
    this.onAbandoned(flight);
    return undefined;
  }

  /** Registers a flight; it leaves the registry when it settles, unless it was replaced or detached before. */
  add(fullKey: string, promise: Promise<unknown>, call: Call<unknown>): Flight {
    const flight: Flight = { promise, call, startedAt: performance.now() };
    this.flights.set(fullKey, flight);
    const leave = (): void => {
      if (this.flights.get(fullKey) === flight) this.flights.delete(fullKey);
    };
    promise.then(leave, leave);
    return flight;
  }

  /** Detaches the flights an invalidation covers (by key or prefix; tagged values are checked by their joiners instead). */
  detachFor(change: Invalidation): void {
    if (this.flights.size === 0) return;
    if (change.kind === 'keys') for (const fullKey of change.fullKeys) this.flights.delete(fullKey);
    else if (change.kind === 'prefix') {
      for (const fullKey of [...this.flights.keys()]) if (fullKey.startsWith(change.fullPrefix)) this.flights.delete(fullKey);
    }
  }

  /** How many flights are registered (for tests). */
  get size(): number {
    return this.flights.size;
  }
}
