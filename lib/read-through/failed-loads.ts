import type { FailureReporter } from '../telemetry/failure-reporter.js';
import type { Call } from './read-through-call.js';
import type { StampedeLock } from './stampede-lock.js';

/** Most keys remembered; past it the memory is dropped (a bound, not an LRU: forgetting only allows one early retry). */
const MAX_KEYS = 10_000;

/**
 * Keys whose loader failed lately while a stale value could stand in: until their throttle window ends, the stale value
 * is served without calling the loader again, so a failing database gets one attempt per key per window instead of one
 * per request. In this process by memory; in every instance by a failure marker left in the key's lock.
 */
export class FailedLoads {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly lock: StampedeLock,
    private readonly failures: FailureReporter,
  ) {}

  /** Whether the key's loader failed within its throttle window, in this process. */
  blocks(fullKey: string): boolean {
    if (this.until.size === 0) return false;
    const end = this.until.get(fullKey);
    if (end === undefined) return false;
    if (end > Date.now()) return true;
    this.until.delete(fullKey);
    return false;
  }

  /** Records a failed load of a key that has a stale value; `lockToken`: the key's lock this load held (now the marker). */
  record(call: Call<unknown>, lockToken: string | undefined, error: unknown): void {
    const windowMs = call.policy.stale.failedLoaderThrottleMs;
    if (this.until.size >= MAX_KEYS) this.until.clear();
    this.until.set(call.fullKey, Date.now() + windowMs);
    if (lockToken !== undefined) this.lock.markFailed(call.lockKey, lockToken, windowMs).catch(() => undefined); // the lock expires anyway
    const reason = error instanceof Error ? error.message : String(error);
    this.failures.warn(
      'loader:stale',
      `the loader of "${call.key}" failed (${reason.replace(/\.$/, '')}); its stale value is served, next attempt in ${windowMs} ms`,
    );
  }
}
