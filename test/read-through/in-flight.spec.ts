import { InFlightLoads, MAX_LOAD_MS, type Flight } from '../../lib/read-through/in-flight.js';
import type { Call } from '../../lib/read-through/read-through-call.js';
import { NO_ENTRY_POLICY } from '../../lib/entry/entry-policy.js';

/** A call whose policy has the given loaderTimeout (undefined: none). */
function callWith(loaderTimeoutMs: number | undefined): Call<unknown> {
  return {
    key: 'k',
    fullKey: 'ns:k',
    lockKey: 'ns:__lock__:k',
    loader: () => 1,
    policy: { label: 'direct', ttlFor: () => 1000, ttlHintMs: 1000, lock: false, stale: { ...NO_ENTRY_POLICY, loaderTimeoutMs } },
  };
}

const never = (): Promise<unknown> => new Promise(() => undefined);

describe('InFlightLoads (single flight registry)', () => {
  it('lets calls join a flight until its bound, then abandons it once (counted) and never hands it out again', () => {
    const abandoned: Flight[] = [];
    const flights = new InFlightLoads((flight) => abandoned.push(flight));
    const flight = flights.add('ns:k', never(), callWith(undefined));
    expect(flights.joinable('ns:k')).toBe(flight);
    flight.startedAt -= MAX_LOAD_MS + 1; // it has now run past the bound that applies without a loaderTimeout
    expect(flights.joinable('ns:k')).toBeUndefined();
    expect(flights.joinable('ns:k')).toBeUndefined();
    expect(abandoned).toEqual([flight]);
    expect(flights.size).toBe(0);
  });

  it('bounds a flight by its loaderTimeout when the call sets one', () => {
    const flights = new InFlightLoads(() => undefined);
    const flight = flights.add('ns:k', never(), callWith(200));
    flight.startedAt -= 150;
    expect(flights.joinable('ns:k')).toBe(flight);
    flight.startedAt -= 100;
    expect(flights.joinable('ns:k')).toBeUndefined();
  });

  it('a settled flight leaves, but never removes the flight that replaced it', async () => {
    const flights = new InFlightLoads(() => undefined);
    let settle!: () => void;
    const first = flights.add('ns:k', new Promise<void>((resolve) => (settle = resolve)), callWith(undefined));
    flights.detachFor({ kind: 'keys', fullKeys: ['ns:k'] });
    const second = flights.add('ns:k', never(), callWith(undefined));
    settle();
    await first.promise;
    await Promise.resolve();
    expect(flights.joinable('ns:k')).toBe(second);
  });

  it('detaches the flights an invalidation covers: by key, by prefix; tags leave them to their joiners', () => {
    const flights = new InFlightLoads(() => undefined);
    for (const key of ['ns:a', 'ns:ab', 'ns:b']) flights.add(key, never(), callWith(undefined));
    flights.detachFor({ kind: 'tags', tags: ['t'] });
    expect(flights.size).toBe(3);
    flights.detachFor({ kind: 'prefix', fullPrefix: 'ns:a', keepReserved: true });
    expect([flights.joinable('ns:a'), flights.joinable('ns:ab')]).toEqual([undefined, undefined]);
    flights.detachFor({ kind: 'keys', fullKeys: ['ns:b'] });
    expect(flights.size).toBe(0);
  });
});
