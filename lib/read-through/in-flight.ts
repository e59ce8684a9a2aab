import type { Call } from './read-through-call.js';

/** A lookup or load in flight on one key in this process, which later calls on the key share. */
export interface Flight {
  promise: Promise<unknown>;
  call: Call<unknown>;
  /** performance.now() when it started. */
  startedAt: number;
}

/** How long later calls join a load in flight when the call sets no loaderTimeout: past it they start their own. */
export const MAX_JOIN_MS = 60_000;

/** What an invalidation covers, as far as flights go (tagged values are checked by their joiners instead). */
export type FlightChange =
  | { kind: 'keys'; fullKeys: readonly string[] }
  | { kind: 'prefix'; fullPrefix: string }
  | { kind: 'tags'; tags: readonly string[] };

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
    const boundMs = flight.call.policy?.stale.loaderTimeoutMs ?? MAX_JOIN_MS;
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

  /** Detaches the flights an invalidation covers: they run on, but no call joins them any more. */
  detachFor(change: FlightChange): void {
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
